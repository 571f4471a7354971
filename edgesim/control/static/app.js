// The edgesim dashboard: a live timeline of requests fed by server-sent events, the detail
// of one request, cache contents per tier and the functions with their versions.
// Plain DOM code, no dependencies: the page must work with no internet access.
// The server builds a snapshot of the edge and its recent requests into the page, which is
// drawn before the event stream opens: a screenshot taken at the load event shows data.
"use strict";

const MAX_ROWS = 300;
const CACHE_REFRESH_MS = 2000;
const ROLLOUT_REFRESH_MS = 1000;
const DURATION_UNITS = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
const STATUS_CLASSES = ["2xx", "3xx", "4xx", "5xx"];
const STAGE_COLOURS = {
  "viewer-request": "var(--viewer-request)",
  "origin-request": "var(--origin-request)",
  "origin": "var(--origin)",
  "origin-response": "var(--origin-response)",
  "viewer-response": "var(--viewer-response)",
};

const state = { rows: [], selected: null, maxDuration: 1, showExpired: false, rounds: {} };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "style") node.setAttribute("style", value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || response.statusText);
  return body;
}

function ms(value) {
  return value < 10 ? value.toFixed(2) + " ms" : value.toFixed(1) + " ms";
}

// A span of seconds as people say it: "1 h 30 min", "10 s"; the largest unit and the next one.
function humaneDuration(seconds) {
  if (seconds <= 0) return "0 s";
  if (seconds < 1) return "< 1 s";
  let left = Math.round(seconds);
  const parts = [];
  for (const [unit, size] of DURATION_UNITS) {
    const count = Math.floor(left / size);
    left -= count * size;
    if (parts.length || count) parts.push([count, unit]);
    if (parts.length === 2) break;
  }
  return parts.filter(([count]) => count).map(([count, unit]) => `${count} ${unit}`).join(" ");
}

function durationCell(seconds) {
  return el("td", { class: "num" }, el("span", { class: "humane", title: `${seconds} s` }, humaneDuration(seconds)));
}

function stageColour(name) {
  if (STAGE_COLOURS[name]) return STAGE_COLOURS[name];
  return name.startsWith("cache") ? "var(--cache)" : "var(--other)";
}

function statusBadge(status) {
  return el("span", { class: "badge s" + Math.floor((status || 0) / 100) }, status ?? "000");
}

function xCacheLabel(summary) {
  return (summary.x_cache || summary.result_type || "").replace(" from cloudfront", "");
}

function xCacheBadge(summary) {
  return el("span", { class: "xc " + summary.result_type, title: summary.x_cache || summary.result_type }, xCacheLabel(summary));
}

// Stages are laid end to end in the order they ran, on a scale shared by every row.
function waterfall(summary) {
  const bar = el("div", { class: "bar", title: summary.stages.map((s) => `${s.name} ${ms(s.duration_ms)}`).join("\n") });
  let offset = 0;
  for (const stage of summary.stages) {
    const left = Math.min(100, (offset / state.maxDuration) * 100);
    const width = Math.min(100 - left, (stage.duration_ms / state.maxDuration) * 100);
    bar.append(el("i", { "data-stage": stage.name, style: `left:${left}%;width:${width}%;background:${stageColour(stage.name)}` }));
    offset += stage.duration_ms;
  }
  return bar;
}

function timelineRow(summary) {
  const time = new Date(summary.started * 1000).toLocaleTimeString([], { hour12: false });
  const failed = summary.hooks.find((h) => h.outcome !== "ok");
  const row = el(
    "tr",
    { class: "row", "data-id": summary.id, onclick: () => select(summary.id) },
    el("td", { class: "muted" }, time),
    el("td", {}, summary.method),
    el("td", { class: "path", title: summary.target }, summary.target),
    el("td", {}, statusBadge(summary.status)),
    el("td", {}, xCacheBadge(summary)),
    el("td", { class: "muted" }, summary.pop),
    el("td", { class: "num" }, ms(summary.duration_ms)),
    el("td", {}, waterfall(summary)),
  );
  if (failed) row.querySelector(".path").append(el("span", { class: "hookfail" }, ` ✖ ${failed.function}`));
  if (summary.id === state.selected) row.classList.add("selected");
  return row;
}

// The filter's current choice; an empty value matches everything.
function filterChoice() {
  const value = (id) => document.getElementById(id).value;
  return { path: value("filter-path").trim().toLowerCase(), status: value("filter-status"),
           xcache: value("filter-xcache"), pop: value("filter-pop") };
}

function matches(summary, choice) {
  const status = String(summary.status ?? "000");
  if (choice.path && !summary.target.toLowerCase().includes(choice.path)) return false;
  if (choice.status && status !== choice.status && status[0] + "xx" !== choice.status) return false;
  if (choice.xcache && xCacheLabel(summary) !== choice.xcache) return false;
  return !choice.pop || summary.pop === choice.pop;
}

// Each select offers the values the kept rows have (and keeps the one chosen, even if gone).
function fillSelect(id, values) {
  const select = document.getElementById(id);
  const chosen = select.value;
  const offered = [...new Set([...values, ...(chosen ? [chosen] : [])])];
  const first = select.options[0];
  select.replaceChildren(first, ...offered.map((value) => el("option", { value }, value)));
  select.value = chosen;
}

function renderFilterOptions() {
  const sorted = (values) => [...new Set(values)].sort();
  const statuses = sorted(state.rows.map((r) => String(r.status ?? "000")));
  const classes = STATUS_CLASSES.filter((c) => statuses.some((s) => s[0] === c[0]));
  fillSelect("filter-status", [...classes, ...statuses]);
  fillSelect("filter-xcache", sorted(state.rows.map(xCacheLabel)));
  fillSelect("filter-pop", sorted(state.rows.map((r) => r.pop)));
}

function renderTimeline() {
  const timeline = document.getElementById("timeline");
  renderFilterOptions();
  const choice = filterChoice();
  const shown = state.rows.filter((r) => matches(r, choice));
  state.maxDuration = Math.max(1, ...shown.map((r) => r.duration_ms));
  const body = shown.length
    ? shown.slice().reverse().map(timelineRow)
    : [el("tr", { class: "empty" }, el("td", { colspan: "8" }, state.rows.length ? "No request matches the filter." : "No requests yet."))];
  timeline.replaceChildren(el("table", {}, el("tbody", {}, ...body)));
  const count = shown.length === state.rows.length ? `(${state.rows.length})` : `(${shown.length} of ${state.rows.length})`;
  document.getElementById("count").textContent = count;
}

function headerTable(id, headers) {
  return el(
    "table",
    { id, class: "headers" },
    ...headers.map(([name, value]) => el("tr", {}, el("td", { class: "mono name" }, name), el("td", { class: "mono" }, value))),
  );
}

function bodyView(body) {
  if (!body) return null;
  if (body.text !== null) return el("pre", {}, body.text + (body.note ? `\n… (${body.note}, ${body.size} bytes)` : ""));
  if (body.size === null) return el("div", { class: "muted" }, `body ${body.note}`);
  return el("div", { class: "muted" }, `body: ${body.size} bytes${body.note ? ", " + body.note : ""}`);
}

function hookRuns(record) {
  if (!record.hooks.length) return el("div", { class: "muted" }, "No hook ran for this request.");
  return el(
    "div",
    { id: "hook-runs" },
    ...record.hooks.map((hook) =>
      el(
        "div",
        { class: "hook", "data-function": hook.function },
        el(
          "div",
          {},
          el("b", {}, hook.event_type), " ", hook.function, " ",
          el("span", { class: "muted" }, (hook.version || "") + " " + ms(hook.duration_ms)), " ",
          hook.outcome === "ok" ? el("span", { class: "muted" }, "ok") : el("span", { class: "hookfail" }, hook.outcome),
        ),
        hookInOut(hook),
        hook.logs.length ? el("pre", { class: "logs" }, hook.logs.join("\n")) : null,
      ),
    ),
  );
}

// What the hook saw and what it gave back, side by side; changed headers are marked.
function hookInOut(hook) {
  if (!hook.seen) return null;
  const key = ([name, value]) => name.toLowerCase() + "\u0000" + value;
  const before = new Set(hook.seen.headers.map(key));
  const after = new Set((hook.returned ? hook.returned.headers : []).map(key));
  const side = (title, view, other) =>
    el("div", { class: "hook-side" },
      el("div", { class: "mono muted" }, `${title}: ${view ? view.line : "(nothing: the hook failed)"}`),
      view ? el("table", { class: "hook-headers headers" }, ...view.headers.map((pair) =>
        el("tr", { class: other.has(key(pair)) ? "" : "changed" },
          el("td", { class: "mono name" }, pair[0]), el("td", { class: "mono" }, pair[1])))) : null);
  return el("div", { class: "hook-io" }, side("in", hook.seen, after), side("out", hook.returned, before));
}

function renderDetail(record) {
  const detail = document.getElementById("detail");
  const failed = record.hooks.find((h) => h.outcome !== "ok");
  const sections = [
    el(
      "section",
      {},
      el("div", { class: "mono" }, `${record.method} ${record.target}`), " ",
      statusBadge(record.status), " ", xCacheBadge(record), " ",
      el("span", { class: "muted" }, `${record.pop} · ${record.region} · behavior ${record.behavior ?? "-"} · ${ms(record.duration_ms)} · first byte ${ms(record.first_byte_ms)}`),
      el("div", { class: "muted mono" }, record.id),
    ),
  ];
  if (record.error_reason || failed) {
    const who = failed ? `${failed.event_type} ${failed.function}: ${failed.outcome}` : record.detailed_result_type;
    sections.push(el("section", {}, el("div", { class: "error-box" }, el("b", {}, who), el("div", {}, record.error_reason))));
  }
  sections.push(
    el("section", {}, el("h3", {}, "Stages"),
      el("table", { id: "stages" }, ...record.stages.map((s) =>
        el("tr", {}, el("td", {}, el("i", { style: `display:inline-block;width:10px;height:10px;background:${stageColour(s.name)}` })),
          el("td", {}, s.name), el("td", { class: "muted" }, s.detail), el("td", { class: "num" }, ms(s.duration_ms)))))),
    el("section", {}, el("h3", {}, "Hook runs and logs"), hookRuns(record)),
    el("section", {}, el("h3", {}, "Request in (as the viewer sent it)"),
      el("div", { class: "mono" }, `${record.request.method} ${record.request.target} HTTP/${record.request.http_version} from ${record.request.client}`),
      headerTable("request-headers", record.request.headers), bodyView(record.request.body)),
  );
  if (record.response) {
    sections.push(el("section", {}, el("h3", {}, "Response out (as the viewer got it)"),
      headerTable("response-headers", record.response.headers), bodyView(record.response.body)));
  }
  detail.replaceChildren(...sections);
}

async function select(id) {
  state.selected = id;
  for (const row of document.querySelectorAll("#timeline .row")) row.classList.toggle("selected", row.dataset.id === id);
  try {
    renderDetail(await getJSON("/api/requests/" + encodeURIComponent(id)));
  } catch (error) {
    document.getElementById("detail").replaceChildren(el("div", { class: "empty" }, error.message));
  }
}

function showBanner(kind, text) {
  const banner = document.getElementById("banner");
  banner.className = kind;
  banner.textContent = text;
}

// Runs `job` now, then again every `every` ms while tab `tab` is shown and `job` does not
// answer false; starting it again for the same tab ends the earlier round.
function whileShown(tab, every, job) {
  const round = (state.rounds[tab] = (state.rounds[tab] || 0) + 1);
  const tick = () => job().catch(() => true).then((again) => {
    const shown = document.getElementById(tab).classList.contains("active");
    if (again !== false && shown && state.rounds[tab] === round) setTimeout(tick, every);
  });
  tick();
}

function cacheTable(entries) {
  return el("table", {},
    el("tr", {}, ...["key", "size", "TTL left", "age", "status"].map((h, i) => el("th", { class: i && i < 4 ? "num" : "" }, h))),
    ...entries.map((entry) => el("tr", { "data-key": entry.key },
      el("td", { class: "mono" }, entry.key), el("td", { class: "num" }, entry.size),
      durationCell(entry.ttl_left), durationCell(entry.age), el("td", {}, entry.status))));
}

// Expired objects stay stored (CloudFront revalidates them: RefreshHit), but they are not
// what the cache serves, so they sit folded apart from the fresh ones.
function tierPanel(name, entries) {
  const fresh = entries.filter((e) => e.ttl_left > 0);
  const expired = entries.filter((e) => e.ttl_left <= 0);
  const folded = expired.length ? el("details", { class: "expired", ontoggle: (event) => { state.showExpired = event.target.open; } },
    el("summary", {}, `${expired.length} expired, kept for revalidation`), cacheTable(expired)) : null;
  if (folded && state.showExpired) folded.open = true;
  return el("div", { class: "panel tier", "data-tier": name },
    el("h2", {}, `${name} `, el("span", { class: "muted" }, `(${fresh.length} fresh object${fresh.length === 1 ? "" : "s"})`)),
    fresh.length ? cacheTable(fresh) : el("div", { class: "note" }, "No fresh objects."), folded);
}

async function loadCache() {
  const tiers = await getJSON("/api/cache");
  const names = Object.keys(tiers);
  const container = document.getElementById("tiers");
  if (!names.length) {
    container.replaceChildren(el("div", { class: "panel note" }, "No cached objects."));
    return;
  }
  container.replaceChildren(...names.map((name) => tierPanel(name, tiers[name])));
}

async function invalidate(event) {
  event.preventDefault();
  const items = document.getElementById("paths").value.split(/\s+/).filter(Boolean);
  const result = document.getElementById("invalidate-result");
  try {
    const body = await getJSON("/api/invalidations", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ Paths: { Quantity: items.length, Items: items } }),
    });
    result.textContent = `${body.Invalidation.Id}: ${body.Removed} objects removed`;
    await loadCache();
  } catch (error) {
    result.textContent = error.message;
  }
}

// Where the live version has got to: every region, or how many of them so far.
function deployment(fn, replication) {
  const regions = Object.values(replication.regions || {});
  if (!fn.status) return null;
  const reached = regions.filter((r) => "v" + r.live === fn.current).length;
  const others = {};
  for (const region of regions) if ("v" + region.live !== fn.current) others["v" + region.live] = (others["v" + region.live] || 0) + 1;
  const still = Object.entries(others).map(([version, count]) => ` · ${version} in ${count}`).join("");
  const text = fn.status === "InProgress" ? `deploying: ${reached} of ${regions.length} regions${still}` : `deployed to ${regions.length} regions`;
  const unpublished = replication.development && !replication.development.published ? " · code on disk not published" : "";
  return el("div", { class: "muted deployment" }, text + unpublished);
}

async function loadFunctions() {
  const body = await getJSON("/api/functions");
  const list = document.getElementById("function-list");
  if (!body.functions.length) {
    list.replaceChildren(el("div", { class: "note" }, "This distribution has no functions."));
    return false;
  }
  const replication = body.replication || {};
  list.replaceChildren(el("table", {},
    el("tr", {}, ...["name", "kind", "runtime", "associated with", "published", "versions"].map((h) => el("th", {}, h))),
    ...body.functions.map((fn) => el("tr", { "data-function": fn.name },
      el("td", {}, el("b", {}, fn.name), el("div", { class: "muted mono" }, fn.code)),
      el("td", { class: "nowrap" }, fn.kind), el("td", { class: "nowrap" }, fn.runtime),
      el("td", { class: "nowrap" }, ...fn.associations.map((a) => el("div", {}, `${a.path_pattern} · ${a.event_type}${a.version ? " · " + a.version : ""}`))),
      el("td", { class: "nowrap" }, el("b", { class: "current" }, fn.current || "-"), deployment(fn, replication[fn.name] || {})),
      el("td", { class: "mono nowrap" }, ...fn.versions.slice().reverse().map((v) =>
        el("div", {}, `${v.version} ${v.fingerprint} `, el("span", { class: "muted" }, new Date(v.loaded_at * 1000).toLocaleTimeString([], { hour12: false }))))),
    ))));
  return body.functions.some((fn) => fn.status === "InProgress");  // a rollout to follow region by region
}

function followFunctions() {
  whileShown("functions", ROLLOUT_REFRESH_MS, loadFunctions);
}

function showTab(name) {
  for (const button of document.querySelectorAll("nav button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const section of document.querySelectorAll("main > section")) section.classList.toggle("active", section.id === name);
  if (name === "cache") whileShown("cache", CACHE_REFRESH_MS, loadCache);
  if (name === "functions") followFunctions();
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.onopen = () => {
    live.className = "on";
    live.textContent = "live";
    // What was served between the snapshot (or a dropped connection) and now.
    getJSON("/api/requests").then((recent) => mergeRequests(recent.requests));
  };
  source.onerror = () => { live.className = ""; live.textContent = "reconnecting"; };
  source.addEventListener("exchange", (event) => mergeRequests([JSON.parse(event.data)]));
  source.addEventListener("reload", (event) => {
    const outcome = JSON.parse(event.data);
    const what = outcome.changed.join(", ");
    if (outcome.errors.length) showBanner("bad", `Reload failed (${what}); still serving the last good version:\n` + outcome.errors.join("\n"));
    else showBanner("ok", `Reloaded (${what})`);
    if (document.getElementById("functions").classList.contains("active")) followFunctions();
  });
  source.addEventListener("publish", () => {
    if (document.getElementById("functions").classList.contains("active")) followFunctions();
  });
  source.addEventListener("invalidation", () => {
    if (document.getElementById("cache").classList.contains("active")) loadCache();
  });
}

function showEdge(about) {
  document.getElementById("where").textContent = `${about.domain_name} · ${about.distribution_id} · POP ${about.pop}`;
}

// Rows from a snapshot or a fetch joined with those the stream delivered, by id, in start order.
function mergeRequests(requests) {
  const byId = new Map(state.rows.map((r) => [r.id, r]));
  for (const summary of requests) byId.set(summary.id, summary);
  state.rows = [...byId.values()].sort((a, b) => a.started - b.started).slice(-MAX_ROWS);
  renderTimeline();
}

function start() {
  for (const button of document.querySelectorAll("nav button")) button.addEventListener("click", () => showTab(button.dataset.tab));
  document.getElementById("invalidate").addEventListener("submit", invalidate);
  document.getElementById("refresh-cache").addEventListener("click", loadCache);
  for (const id of ["filter-path", "filter-status", "filter-xcache", "filter-pop"]) {
    document.getElementById(id).addEventListener("input", renderTimeline);
  }
  document.getElementById("filter-clear").addEventListener("click", () => {
    for (const field of document.querySelectorAll("#filters input, #filters select")) field.value = "";
    renderTimeline();
  });
  const built = JSON.parse(document.getElementById("snapshot").textContent);
  if (built) {
    showEdge(built.edge);
    mergeRequests(built.requests);
    const taken = new Date(built.taken_at * 1000).toLocaleTimeString([], { hour12: false });
    document.getElementById("live").textContent = "snapshot " + taken;
  }
  const goLive = () => {
    if (!built) getJSON("/api/edge").then(showEdge);
    connect();
  };
  // The stream never ends, so it opens only once the page has loaded: nothing waits on it.
  if (document.readyState === "complete") goLive();
  else window.addEventListener("load", goLive, { once: true });
}

start();
