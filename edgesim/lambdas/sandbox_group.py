"""The group every sandboxed Lambda worker joins, and that owns the code snapshots they read.

Its own module so that the version store can name it without loading the sandbox. The
gid is the base of the sandbox uid range (`sandbox.DEFAULT_UID_BASE`): far from system,
user, container and subordinate ids, so no login user is a member.
"""

SANDBOX_GROUP = 0x7E00_0000
