fetch("/data.json").then(function (r) {
  document.getElementById("x-cache").textContent = r.headers.get("x-cache") || "(no X-Cache header)";
});
