// The edgesim dashboard: a live timeline of requests fed by server-sent events, the detail
// of one request, cache contents per tier and the functions with their versions.
// Plain DOM code, no dependencies: the page must work with no internet access.
"use strict";

const MAX_ROWS = 300;
const STAGE_COLOURS = {
  "viewer-request": "var(--viewer-request)",
  "origin-request": "var(--origin-request)",
  "origin": "var(--origin)",
  "origin-response": "var(--origin-response)",
  "viewer-response": "var(--viewer-response)",
};

const state = { rows: [], selected: null, maxDuration: 1 };

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

function stageColour(name) {
  if (STAGE_COLOURS[name]) return STAGE_COLOURS[name];
  return name.startsWith("cache") ? "var(--cache)" : "var(--other)";
}

function statusBadge(status) {
  return el("span", { class: "badge s" + Math.floor((status || 0) / 100) }, status ?? "000");
}

function xCacheBadge(summary) {
  const label = summary.x_cache || summary.result_type;
  return el("span", { class: "xc " + summary.result_type, title: label }, label.replace(" from cloudfront", ""));
}

// Stages are laid end to end in the order they ran, on a scale shared by every row.
function waterfall(summary) {
  const bar = el("div", { class: "bar", title: summary.stages.map((s) => `${s.name} ${ms(s.duration_ms)}`).join("\n") });
  let offset = 0;
  for (const stage of summary.stages) {
    const left = (offset / state.maxDuration) * 100;
    const width = (stage.duration_ms / state.maxDuration) * 100;
    bar.append(el("i", { "data-stage": stage.name, style: `left:${left}%;width:${width}%;background:${stageColour(stage.name)}` }));
    offset += stage.duration_ms;
  }
  return bar;
}

function timelineRow(summary) {
  const time = new Date(summary.started * 1000).toLocaleTimeString([], { hour12: false });
  const failed = summary.hooks.find((h) => h.outcome !== "ok");
  const row = el(
    "div",
    { class: "row", "data-id": summary.id, onclick: () => select(summary.id) },
    el("span", { class: "muted" }, time),
    el("span", {}, summary.method),
    el("span", { class: "path", title: summary.target }, summary.target),
    statusBadge(summary.status),
    xCacheBadge(summary),
    el("span", { class: "muted" }, summary.pop),
    el("span", { class: "num" }, ms(summary.duration_ms)),
    waterfall(summary),
  );
  if (failed) row.querySelector(".path").append(el("span", { class: "hookfail" }, ` ✖ ${failed.function}`));
  if (summary.id === state.selected) row.classList.add("selected");
  return row;
}

function renderTimeline() {
  const timeline = document.getElementById("timeline");
  state.maxDuration = Math.max(1, ...state.rows.map((r) => r.duration_ms));
  timeline.replaceChildren(...state.rows.slice().reverse().map(timelineRow));
  document.getElementById("count").textContent = `(${state.rows.length})`;
}

function addRequest(summary) {
  state.rows.push(summary);
  if (state.rows.length > MAX_ROWS) state.rows.shift();
  renderTimeline();
}

function headerTable(id, headers) {
  return el(
    "table",
    { id },
    ...headers.map(([name, value]) => el("tr", {}, el("td", { class: "mono" }, name), el("td", { class: "mono" }, value))),
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
      view ? el("table", { class: "hook-headers" }, ...view.headers.map((pair) =>
        el("tr", { class: other.has(key(pair)) ? "" : "changed" },
          el("td", { class: "mono" }, pair[0]), el("td", { class: "mono" }, pair[1])))) : null);
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

async function loadCache() {
  const tiers = await getJSON("/api/cache");
  const names = Object.keys(tiers);
  const container = document.getElementById("tiers");
  if (!names.length) {
    container.replaceChildren(el("div", { class: "panel note" }, "No cached objects."));
    return;
  }
  container.replaceChildren(...names.map((name) =>
    el("div", { class: "panel tier", "data-tier": name },
      el("h2", {}, `${name} `, el("span", { class: "muted" }, `(${tiers[name].length} objects)`)),
      el("table", {},
        el("tr", {}, ...["key", "size", "TTL left", "age", "status"].map((h) => el("th", {}, h))),
        ...tiers[name].map((entry) => el("tr", {},
          el("td", { class: "mono" }, entry.key), el("td", { class: "num" }, entry.size),
          el("td", { class: "num" }, entry.ttl_left), el("td", { class: "num" }, entry.age), el("td", {}, entry.status)))))));
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

async function loadFunctions() {
  const body = await getJSON("/api/functions");
  const list = document.getElementById("function-list");
  if (!body.functions.length) {
    list.replaceChildren(el("div", { class: "note" }, "This distribution has no functions."));
    return;
  }
  list.replaceChildren(el("table", {},
    el("tr", {}, ...["name", "kind", "runtime", "associated with", "serving", "versions"].map((h) => el("th", {}, h))),
    ...body.functions.map((fn) => el("tr", { "data-function": fn.name },
      el("td", {}, el("b", {}, fn.name), el("div", { class: "muted mono" }, fn.code)),
      el("td", {}, fn.kind), el("td", {}, fn.runtime),
      el("td", {}, ...fn.associations.map((a) => el("div", {}, `${a.path_pattern} · ${a.event_type}${a.version ? " · " + a.version : ""}`))),
      el("td", {}, el("b", { class: "current" }, fn.current || "-")),
      el("td", { class: "mono" }, ...fn.versions.slice().reverse().map((v) =>
        el("div", {}, `${v.version} ${v.fingerprint} `, el("span", { class: "muted" }, new Date(v.loaded_at * 1000).toLocaleTimeString([], { hour12: false }))))),
    ))));
}

function showTab(name) {
  for (const button of document.querySelectorAll("nav button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const section of document.querySelectorAll("main > section")) section.classList.toggle("active", section.id === name);
  if (name === "cache") loadCache();
  if (name === "functions") loadFunctions();
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.onopen = () => { live.className = "on"; live.textContent = "live"; };
  source.onerror = () => { live.className = ""; live.textContent = "reconnecting"; };
  source.addEventListener("exchange", (event) => addRequest(JSON.parse(event.data)));
  source.addEventListener("reload", (event) => {
    const outcome = JSON.parse(event.data);
    const what = outcome.changed.join(", ");
    if (outcome.errors.length) showBanner("bad", `Reload failed (${what}); still serving the last good version:\n` + outcome.errors.join("\n"));
    else showBanner("ok", `Reloaded (${what})`);
    if (document.getElementById("functions").classList.contains("active")) loadFunctions();
  });
  source.addEventListener("invalidation", () => {
    if (document.getElementById("cache").classList.contains("active")) loadCache();
  });
}

async function start() {
  for (const button of document.querySelectorAll("nav button")) button.addEventListener("click", () => showTab(button.dataset.tab));
  document.getElementById("invalidate").addEventListener("submit", invalidate);
  document.getElementById("refresh-cache").addEventListener("click", loadCache);
  const about = await getJSON("/api/edge");
  document.getElementById("where").textContent = `${about.domain_name} · ${about.distribution_id} · POP ${about.pop}`;
  connect();
  const recent = await getJSON("/api/requests");
  const seen = new Set(state.rows.map((r) => r.id));
  state.rows = recent.requests.filter((r) => !seen.has(r.id)).concat(state.rows).slice(-MAX_ROWS);
  renderTimeline();
}

start();
