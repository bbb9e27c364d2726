// umapi-mock console: plain JavaScript, no framework. Every value shown comes from the
// admin API under /_mock/; the DOM is built from text nodes only (no innerHTML), so no
// value from the emulator can inject markup.
"use strict";

const ADMIN = location.pathname.replace(/ui\/[^/]*$/, "");
const TOKEN_KEY = "umapi-mock-admin-token";
const POLL_MS = 1000;
const USER_TYPES = ["adobeID", "enterpriseID", "federatedID"];
const USER_STATUSES = ["active", "disabled", "locked", "removed"];
const USER_COLUMNS = [
  ["email", "Email", true],
  ["name", "Name", true],
  ["type", "Type", true],
  ["status", "Status", true],
  ["domain", "Domain", true],
  ["groups", "Groups", false],
];
const GROUP_SECTIONS = [
  ["User groups", ["USER_GROUP"]],
  ["Product profiles", ["PRODUCT_PROFILE"]],
  ["Admin groups", ["SYSADMIN_GROUP", "DEPLOYMENT_ADMIN_GROUP", "SUPPORT_ADMIN_GROUP", "PRODUCT_ADMIN_GROUP",
                    "PROFILE_ADMIN_GROUP", "USER_ADMIN_GROUP", "DEVELOPER_GROUP"]],
];

const state = { org: null, orgs: [], timer: null, route: null };

class AuthNeeded extends Error {}
class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// ------------------------------------------------------------------ helpers

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function field(label, control, hint) {
  const id = control.id || (control.id = "f-" + Math.random().toString(36).slice(2, 9));
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("small", {}, hint) : null);
}

function select(attrs, options, current) {
  return h("select", attrs, options.map(([value, text]) =>
    h("option", { value, selected: String(value) === String(current ?? "") }, text)));
}

function table(caption, headers, rows, empty) {
  if (!rows.length) return h("p", { class: "muted" }, empty || "Nothing to show.");
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c)))))));
}

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]));
}

function fmtTime(epoch) {
  return new Date(epoch * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function fmtClock(epoch) {
  return new Date(epoch * 1000).toISOString().slice(11, 23);
}

function fmtDuration(seconds) {
  const s = Math.floor(seconds), d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return (d ? `${d}d ` : "") + (d || hr ? `${hr}h ` : "") + `${m}m ${s % 60}s`;
}

function n(value) {
  return Number(value).toLocaleString("en-US");
}

function say(text, isError) {
  const el = document.getElementById("status");
  el.textContent = text;
  el.className = "status" + (isError ? " error" : text ? " ok" : "");
}

function queryOf(hash) {
  const i = hash.indexOf("?");
  return new URLSearchParams(i < 0 ? "" : hash.slice(i + 1));
}

function go(path, params) {
  const qs = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null)) : null;
  location.hash = "#/" + path + (qs && [...qs].length ? "?" + qs : "");
}

function orgPath(rest) {
  return `/orgs/${encodeURIComponent(state.org)}${rest}`;
}

function confirmAction(title, text, okLabel) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel || "Confirm";
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}

// ---------------------------------------------------------------------- api

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(method, path, body, contentType) {
  const headers = { Accept: "application/json" };
  if (token()) headers.Authorization = "Bearer " + token();
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = contentType || "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const r = await fetch(ADMIN + path.replace(/^\//, ""), init);
  const data = await r.json().catch(() => null);
  if (r.status === 401) {
    showLogin(token() ? "That admin token was refused." : "");
    throw new AuthNeeded();
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

function showLogin(message) {
  stopPolling();
  document.getElementById("login").hidden = false;
  document.getElementById("main").hidden = true;
  document.getElementById("login-error").textContent = message || "";
  document.getElementById("sign-out").hidden = true;
  document.getElementById("token").focus();
}

function hideLogin() {
  document.getElementById("login").hidden = true;
  document.getElementById("main").hidden = false;
  document.getElementById("sign-out").hidden = !token();
}

async function loadOrgs() {
  const ov = await api("GET", "/overview");
  state.orgs = ov.orgs.map((o) => o.id);
  const saved = sessionStorage.getItem("umapi-mock-org");
  if (!state.orgs.includes(state.org)) state.org = state.orgs.includes(saved) ? saved : state.orgs[0] || null;
  const picker = document.getElementById("org");
  picker.replaceChildren(...state.orgs.map((id) => h("option", { value: id, selected: id === state.org }, id)));
  return ov;
}

// ------------------------------------------------------------------- router

const PAGES = {
  overview: pageOverview,
  users: pageUsers,
  user: pageUser,
  groups: pageGroups,
  group: pageGroup,
  journal: pageJournal,
  entry: pageEntry,
  faults: pageFaults,
  actions: pageActions,
};
const NAV_OF = { user: "users", group: "groups", entry: "journal" };

function stopPolling() {
  if (state.timer) clearTimeout(state.timer);
  state.timer = null;
}

async function route() {
  stopPolling();
  const hash = location.hash || "#/overview";
  const [name, ...rest] = hash.slice(2).split("?")[0].split("/");
  const page = PAGES[name] ? name : "overview";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.page === (NAV_OF[page] || page)) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const main = document.getElementById("main");
  const routeId = (state.route = hash);
  try {
    if (!state.orgs.length) await loadOrgs();
    hideLogin();
    const content = await PAGES[page](rest.map(decodeURIComponent), queryOf(hash));
    if (state.route !== routeId) return;
    main.replaceChildren(...[content].flat());
    const title = main.querySelector("h1");
    document.title = (title ? title.textContent + " · " : "") + "umapi-mock console";
  } catch (err) {
    if (err instanceof AuthNeeded) return;
    main.replaceChildren(h("h1", {}, "Something went wrong"), h("p", { class: "error", role: "alert" }, String(err.message || err)));
  }
}

// ----------------------------------------------------------------- overview

// Trusted domains (seed key domains[].trustees): the domains an org owns and lets other orgs
// hold users of, and the domains it holds as a trustee, each with the org on the other side.
function trustRows(o) {
  const owned = o.domains.flatMap((d) => d.trustees.map((t) =>
    [d.name, d.type, "owned here; trusted by", h("code", {}, t)]));
  const held = o.trusted_domains.map((d) => [d.name, d.type, "held here as a trustee; owned by", h("code", {}, d.owner)]);
  return [...owned, ...held];
}

async function pageOverview() {
  const ov = await loadOrgs();
  const s = ov.settings;
  const families = Object.entries(s.throttle.families);
  const orgs = ov.orgs.map((o) => h("section", { class: "card", "aria-label": `Org ${o.id}` },
    h("h2", {}, o.id),
    dl([
      ["Users", n(o.users)],
      ["By type", Object.entries(o.users_by_type).map(([k, v]) => `${k}: ${n(v)}`).join(", ")],
      ["By status", Object.entries(o.users_by_status).map(([k, v]) => `${k}: ${n(v)}`).join(", ")],
      ["Groups", n(o.groups)],
      ["By type", Object.entries(o.groups_by_type).map(([k, v]) => `${k}: ${n(v)}`).join(", ")],
      ["Domains", o.domains.map((d) => `${d.name} (${d.type})`).join(", ")],
      ["Products", o.products.join(", ")],
      ["Migrating", o.migrating ? "yes (answers 403 error.organization.migrating)" : "no"],
    ]),
    table("Trusted domains", ["Domain", "Type", "Relation", "Other org"], trustRows(o), "No trusted domains."),
    table("Credentials (client ids; secrets are never shown)", ["Client id", "Technical account", "Scopes", "Certificates"],
      o.credentials.map((c) => [h("code", {}, c.client_id), c.tech_account, c.scopes.join(", "), String(c.certificates)]),
      "No credentials."),
  ));
  return [
    h("h1", {}, "Overview"),
    h("section", { class: "card", "aria-label": "Server" },
      h("h2", {}, "Server"),
      dl([
        ["Version", ov.version],
        ["Up for", fmtDuration(ov.uptime_seconds)],
        ["Started", fmtTime(ov.started)],
        ["Emulator clock", `${fmtTime(ov.clock.now)} (offset ${ov.clock.offset.toFixed(1)} s)`],
        ["Users page size", n(s.users_page_size)],
        ["Groups page size", n(s.groups_page_size)],
        ["Token lifetime", `${n(s.token_ttl)} s`],
        ["JWT exchange", s.jwt_enabled ? "on" : "off"],
        ["Throttle", s.throttle.mode + (families.length ? ` (${families.length} families)` : "")],
        ["Fault rules", n(s.fault_rules)],
        ["Persistence", s.persistence.enabled ? `on (${s.persistence.data_dir})` : "off (state is in memory; a restart starts from the seed)"],
        ["Journal", `${n(s.journal_size)} entries, bodies of the newest ${n(s.journal_bodies)}`],
        ["Admin token", s.admin_token_required ? "required" : "not required (loopback)"],
      ])),
    ...orgs,
  ];
}

// -------------------------------------------------------------------- users

function userRows(users) {
  return users.map((u) => [
    h("a", { href: `#/user/${u.uid}` }, u.email),
    [u.firstname, u.lastname].filter(Boolean).join(" "),
    u.type, h("span", { class: "pill " + u.status }, u.status), u.domain,
    u.groups.join(", "),
  ]);
}

function pager(page, pageCount, total, noun, goto) {
  const label = `Page ${n(page + 1)} of ${n(pageCount)} (${n(total)} ${noun})`;
  return h("nav", { class: "pager", "aria-label": "Pages" },
    h("button", { type: "button", disabled: page <= 0, onclick: () => goto(page - 1) }, "Previous page"),
    h("span", { class: "page-label" }, label),
    h("button", { type: "button", disabled: page >= pageCount - 1, onclick: () => goto(page + 1) }, "Next page"));
}

async function pageUsers(_, q) {
  const params = { q: q.get("q") || "", type: q.get("type") || "", status: q.get("status") || "",
                   sort: q.get("sort") || "", order: q.get("order") || "asc", page: q.get("page") || "0" };
  const data = await api("GET", orgPath("/users?" + new URLSearchParams(params)));
  const search = h("input", { id: "user-search", type: "search", name: "q", value: params.q,
                              placeholder: "email, user name or name", autocomplete: "off" });
  const type = select({ id: "user-type", name: "type" }, [["", "any"], ...USER_TYPES.map((t) => [t, t])], params.type);
  const status = select({ id: "user-status", name: "status" }, [["", "any"], ...USER_STATUSES.map((t) => [t, t])], params.status);
  const apply = (extra) => go("users", { ...params, q: search.value, type: type.value, status: status.value, page: 0, ...extra });
  let debounce = null;
  search.addEventListener("input", () => { clearTimeout(debounce); debounce = setTimeout(() => apply(), 400); });
  type.addEventListener("change", () => apply());
  status.addEventListener("change", () => apply());
  const form = h("form", { class: "filters", role: "search", onsubmit: (e) => { e.preventDefault(); clearTimeout(debounce); apply(); } },
    field("Search users", search), field("Type", type), field("Status", status),
    h("button", { type: "submit" }, "Search"));
  const head = USER_COLUMNS.map(([key, text, sortable]) => {
    if (!sortable) return h("th", { scope: "col" }, text);
    const active = params.sort === key;
    const next = active && params.order === "asc" ? "desc" : "asc";
    return h("th", { scope: "col", "aria-sort": active ? (params.order === "asc" ? "ascending" : "descending") : "none" },
      h("button", { type: "button", class: "sort", onclick: () => apply({ sort: key, order: next }) },
        text, h("span", { "aria-hidden": "true" }, active ? (params.order === "asc" ? " ▲" : " ▼") : "")));
  });
  const rows = userRows(data.users);
  const list = rows.length
    ? h("div", { class: "table-wrap" }, h("table", { id: "users-table" },
        h("caption", {}, `Users of ${state.org}`),
        h("thead", {}, h("tr", {}, head)),
        h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c)))))))
    : h("p", { class: "muted" }, "No user matches.");
  const restoreFocus = document.activeElement && document.activeElement.id === "user-search";
  if (restoreFocus) setTimeout(() => { search.focus(); search.setSelectionRange(search.value.length, search.value.length); });
  return [h("h1", {}, "Users"), form,
    h("p", { id: "users-total", class: "muted" }, `${n(data.total)} users match`),
    list, pager(data.page, data.page_count, data.total, "users", (p) => go("users", { ...params, page: p }))];
}

async function pageUser([uid]) {
  const d = await api("GET", orgPath("/users/" + encodeURIComponent(uid)));
  const u = d.user;
  const lic = (v) => (v === null ? "—" : v ? "yes" : "no (over quota)");
  return [
    h("p", {}, h("a", { href: "#/users" }, "← All users")),
    h("h1", {}, u.email),
    dl([["Name", [u.firstname, u.lastname].filter(Boolean).join(" ")], ["User name", u.username], ["Domain", u.domain],
        ["Type", u.type], ["Status", u.status], ["Country", u.country], ["Id", h("code", {}, u.id)]]),
    h("h2", {}, "Memberships"),
    table("Direct memberships", ["Group", "Type", "Licensed"],
      d.direct.map((m) => [h("a", { href: `#/group/${m.gid}` }, m.name), m.type, lic(m.licensed)]), "No direct memberships."),
    table("Through user groups", ["Product profile", "Via user group", "Licensed"],
      d.indirect.map((m) => [h("a", { href: `#/group/${m.gid}` }, m.name), m.via, lic(m.licensed)]), "No profiles through user groups."),
    h("h2", {}, "Admin roles"),
    table("Admin roles", ["Role", "Admin group", "Of"], d.admin_roles.map((r) => [r.role, r.group, r.of || "the org"]), "No admin roles."),
    h("h2", {}, "Requests that named this user"),
    journalTable(d.requests.slice().reverse(), "Requests naming this user, newest first"),
  ];
}

// ------------------------------------------------------------------- groups

async function pageGroups(_, q) {
  const data = await api("GET", orgPath("/groups"));
  const sections = GROUP_SECTIONS.map(([title, types]) => {
    const groups = data.groups.filter((g) => types.includes(g.type));
    const isProfile = types.includes("PRODUCT_PROFILE");
    const isUserGroup = types.includes("USER_GROUP");
    const headers = ["Name", "Direct members"];
    if (isProfile) headers.push("Product", "Quota", "Used");
    if (isUserGroup) headers.push("Linked profiles", "Description");
    if (!isProfile && !isUserGroup) headers.push("Type", "Administers");
    const rows = groups.map((g) => {
      const row = [h("a", { href: `#/group/${g.gid}` }, g.name), n(g.members)];
      if (isProfile) row.push(g.product || "", g.quota === null ? "unlimited" : n(g.quota), n(g.used));
      if (isUserGroup) row.push(g.profiles.join(", "), g.description || "");
      if (!isProfile && !isUserGroup) row.push(g.type, g.administers || (g.product ? g.product : "the org"));
      return row;
    });
    return h("section", { "aria-label": title }, h("h2", {}, title), table(title, headers, rows, `No ${title.toLowerCase()}.`));
  });
  return [h("h1", {}, "Groups and profiles"), ...sections];
}

async function pageGroup([gid], q) {
  const page = q.get("page") || "0";
  const direct = q.get("direct") !== "false";
  const d = await api("GET", orgPath(`/groups/${encodeURIComponent(gid)}/members?page=${page}&direct=${direct}`));
  const g = d.group;
  const toggle = g.type === "PRODUCT_PROFILE"
    ? h("p", {}, h("a", { href: `#/group/${gid}?direct=${!direct}` }, direct ? "Include members through user groups" : "Direct members only"))
    : null;
  return [
    h("p", {}, h("a", { href: "#/groups" }, "← All groups")),
    h("h1", {}, g.name),
    dl([["Type", g.type], ["Description", g.description], ["Product", g.product],
        ["Quota", g.type === "PRODUCT_PROFILE" ? (g.quota === null ? "unlimited" : n(g.quota)) : null],
        ["Licences used", g.used === null ? null : n(g.used)], ["Admin group", g.admin_group],
        ["Administers", g.administers], ["Linked profiles", g.profiles.join(", ") || null]]),
    h("h2", {}, direct ? "Direct members" : "Members (direct and through user groups)"),
    toggle,
    table(`Members of ${g.name}`, USER_COLUMNS.map(([, t]) => t), userRows(d.users), "No members."),
    pager(d.page, d.page_count, d.total, "members", (p) => go(`group/${gid}`, { page: p, direct: direct ? "" : "false" })),
  ];
}

// ------------------------------------------------------------------ journal

function answeredBy(e) {
  const label = e.answered_by + (e.fault ? ` ${e.fault.id}` : "");
  return h("span", { class: "pill " + e.answered_by }, label);
}

function journalRow(e) {
  return h("tr", {},
    h("td", {}, h("a", { href: `#/entry/${e.seq}` }, String(e.seq))),
    h("td", { class: "nowrap", title: fmtTime(e.time) }, fmtClock(e.time)), h("td", {}, e.method), h("td", { class: "path" }, e.path),
    h("td", {}, e.status === null ? "dropped" : String(e.status)),
    h("td", { class: "num" }, e.latency_ms.toFixed(1)), h("td", { class: "nowrap" }, answeredBy(e)),
    h("td", { class: "nowrap" }, e.client_id || ""));
}

const JOURNAL_HEADERS = ["#", "Time", "Method", "Path", "Status", "Latency (ms)", "Answered by", "Client id"];

function journalTable(entries, caption, id) {
  if (!entries.length) return h("p", { class: "muted" }, "No requests.");
  return h("div", { class: "table-wrap" }, h("table", { id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, JOURNAL_HEADERS.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, entries.map(journalRow))));
}

async function pageJournal(_, q) {
  const filters = { method: q.get("method") || "", path: q.get("path") || "", status: q.get("status") || "",
                    client: q.get("client") || "", answered_by: q.get("answered_by") || "" };
  const method = select({ id: "j-method", name: "method" }, [["", "any"], ...["GET", "POST", "PUT", "DELETE"].map((m) => [m, m])], filters.method);
  const path = h("input", { id: "j-path", name: "path", value: filters.path, placeholder: "/v2/usermanagement/action/*" });
  const status = h("input", { id: "j-status", name: "status", value: filters.status, placeholder: "429, 5xx, 200,404", size: 10 });
  const client = h("input", { id: "j-client", name: "client", value: filters.client, size: 14 });
  const by = select({ id: "j-by", name: "answered_by" }, [["", "any"], ["handler", "handler"], ["fault", "fault"], ["throttle", "throttle"]], filters.answered_by);
  const live = h("input", { id: "j-live", type: "checkbox", checked: true });
  const form = h("form", { class: "filters", onsubmit: (e) => {
    e.preventDefault();
    go("journal", { method: method.value, path: path.value, status: status.value, client: client.value, answered_by: by.value });
  } }, field("Method", method), field("Path", path, "glob or prefix"), field("Status", status), field("Client id", client),
    field("Answered by", by), h("button", { type: "submit" }, "Filter"));
  const tbody = h("tbody", {});
  const info = h("p", { class: "muted", id: "journal-info" });
  const tableEl = h("table", { id: "journal-table" }, h("caption", {}, "Requests, newest first"),
    h("thead", {}, h("tr", {}, JOURNAL_HEADERS.map((t) => h("th", { scope: "col" }, t)))), tbody);
  let since = 0;
  const routeId = state.route;
  const base = Object.entries(filters).filter(([, v]) => v);
  async function poll() {
    if (state.route !== routeId) return;
    try {
      const params = new URLSearchParams([...base, ...(since ? [["since", since]] : []), ["limit", "200"]]);
      const data = await api("GET", "/journal?" + params);
      for (const e of data.entries) tbody.prepend(journalRow(e));
      while (tbody.children.length > 500) tbody.lastChild.remove();
      since = data.last_seq;
      info.textContent = `${n(tbody.children.length)} shown · last sequence ${data.last_seq} · ${n(data.evicted)} evicted from the journal`;
    } catch (err) {
      if (err instanceof AuthNeeded) return;
      info.textContent = "Polling failed: " + err.message;
    }
    if (state.route === routeId && live.checked) state.timer = setTimeout(poll, POLL_MS);
  }
  live.addEventListener("change", () => { stopPolling(); if (live.checked) poll(); });
  await poll();
  return [h("h1", {}, "Journal"), form,
    h("p", {}, live, h("label", { for: "j-live" }, " Live tail (polls every second)")),
    info, h("div", { class: "table-wrap" }, tableEl)];
}

function bodyBlock(title, body) {
  if (!body) return [h("h2", {}, title), h("p", { class: "muted" }, "The body is no longer kept (only the newest exchanges keep theirs).")];
  const meta = `${body.content_type || "no content type"} · ${n(body.bytes)} bytes` + (body.truncated ? " · cut to the first 64 KiB" : "");
  return [h("h2", {}, title), h("p", { class: "muted" }, meta),
    body.text === null ? h("p", { class: "muted" }, "Empty body.") : h("pre", { class: "body", tabindex: "0" }, pretty(body))];
}

function pretty(body) {
  if (!/json/i.test(body.content_type || "") || body.truncated) return body.text;
  try { return JSON.stringify(JSON.parse(body.text), null, 2); } catch { return body.text; }
}

async function pageEntry([seq]) {
  const d = await api("GET", "/journal/" + encodeURIComponent(seq));
  const e = d.entry;
  const curl = h("pre", { id: "curl", class: "body", tabindex: "0" }, d.curl);
  const copied = h("span", { role: "status", class: "muted" });
  const copy = h("button", { type: "button", id: "copy-curl", onclick: async () => {
    try { await navigator.clipboard.writeText(d.curl); copied.textContent = " Copied."; }
    catch { getSelection().selectAllChildren(curl); copied.textContent = " Selected: press Ctrl+C to copy."; }
  } }, "Copy as curl");
  return [
    h("p", {}, h("a", { href: "#/journal" }, "← Journal")),
    h("h1", {}, `${e.method} ${e.path}`),
    dl([["Sequence", String(e.seq)], ["Time", fmtTime(e.time)], ["Status", e.status === null ? "dropped (no response)" : String(e.status)],
        ["Latency", `${e.latency_ms.toFixed(1)} ms`], ["Answered by", answeredBy(e)], ["Client id", e.client_id],
        ["Org", e.org_id], ["Request id", e.request_id], ["Endpoint family", e.family],
        ["Query", Object.keys(e.query).length ? JSON.stringify(e.query) : null], ["Pragma", e.pragma],
        ["Throttle limit", d.throttle && d.throttle.limit ? `${d.throttle.family}: ${JSON.stringify(d.throttle.limit)}` : null]]),
    ...bodyBlock("Request body (secrets redacted)", d.request),
    ...bodyBlock("Response body (tokens redacted)", d.response),
    h("h2", {}, "Repeat it"), h("p", {}, copy, copied), curl,
  ];
}

// ----------------------------------------------------------- faults/throttle

function ruleSummary(part) {
  return Object.entries(part || {}).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ");
}

async function pageFaults() {
  const [faults, throttle, clock, kinds] = await Promise.all([api("GET", "/faults"), api("GET", "/throttle"), api("GET", "/clock"),
    api("GET", "/faults/kinds")]);
  const refresh = () => route();
  const report = (err) => { if (!(err instanceof AuthNeeded)) say(err.message, true); };
  const ruleRows = faults.faults.map((r) => [h("code", {}, r.id), ruleSummary(r.match), ruleSummary(r.respond),
    r.remaining === null || r.remaining === undefined ? "always" : String(r.remaining), String(r.fired),
    h("button", { type: "button", class: "danger", "aria-label": `Remove fault rule ${r.id}`, onclick: async () => {
      try { await api("DELETE", "/faults/" + encodeURIComponent(r.id)); say(`Fault rule ${r.id} removed.`); refresh(); } catch (err) { report(err); }
    } }, "Remove")]);

  const fMethod = select({ id: "fault-method" }, [["", "any"], ["GET", "GET"], ["POST", "POST"]], "");
  const fPath = h("input", { id: "fault-path", value: "/v2/usermanagement/*", required: true });
  // The answers come from the emulator's registry of fault kinds (GET /_mock/faults/kinds):
  // each kind names its form fields, so a new kind needs no change here.
  const fKind = select({ id: "fault-kind" }, kinds.kinds.map((k) => [k.name, k.summary]), kinds.kinds[0].name);
  const kindInputs = {};
  const kindFields = kinds.kinds.map((k) => {
    const inputs = k.form.filter((f) => f.type !== "const").map((f) => {
      const attrs = { id: "fault-" + (f.id || f.key), type: "number", step: f.type === "integer" ? 1 : "any" };
      if (f.min !== undefined) attrs.min = f.min;
      if (f.max !== undefined) attrs.max = f.max;
      if (f.value !== undefined) attrs.value = f.value;
      if (f.optional) attrs.placeholder = "none";
      return [f, h("input", attrs)];
    });
    kindInputs[k.name] = inputs;
    return h("div", { class: "row", hidden: k.name !== fKind.value, "data-kind": k.name },
      ...inputs.map(([f, input]) => field(f.label, input, f.min !== undefined && f.max !== undefined ? `${f.min}–${f.max}` : undefined)));
  });
  const fTimes = h("input", { id: "fault-times", type: "number", min: 1, placeholder: "always" });
  const fClient = h("input", { id: "fault-client", placeholder: "any" });
  fKind.addEventListener("change", () => { kindFields.forEach((div) => { div.hidden = div.dataset.kind !== fKind.value; }); });
  const addForm = h("form", { id: "fault-form", class: "stack", onsubmit: async (e) => {
    e.preventDefault();
    const match = { path: fPath.value.trim() };
    if (fMethod.value) match.method = fMethod.value;
    if (fClient.value.trim()) match.client = fClient.value.trim();
    const respond = {};
    const kind = kinds.kinds.find((k) => k.name === fKind.value);
    kind.form.filter((f) => f.type === "const").forEach((f) => { respond[f.key] = f.value; });
    kindInputs[kind.name].forEach(([f, input]) => { if (input.value !== "") respond[f.key] = Number(input.value); });
    const rule = { match, respond };
    if (fTimes.value !== "") rule.times = Number(fTimes.value);
    try { const r = await api("POST", "/faults", rule); say(`Fault rule ${r.ids.join(", ")} added.`); refresh(); } catch (err) { report(err); }
  } },
  h("div", { class: "row" }, field("Method", fMethod), field("Path (glob)", fPath), field("Client id", fClient)),
  h("div", { class: "row" }, field("Answer", fKind), field("Times", fTimes, "empty: every matching request")),
  ...kindFields,
  h("button", { type: "submit" }, "Add fault rule"));

  const jsonRule = h("textarea", { id: "fault-json", rows: 4, placeholder: '{"match": {"path": "/ims/*"}, "respond": {"status": 503}, "times": 1}' });
  const jsonForm = h("form", { class: "stack", onsubmit: async (e) => {
    e.preventDefault();
    try { const r = await api("POST", "/faults", jsonRule.value); say(`Fault rule ${r.ids.join(", ")} added.`); refresh(); } catch (err) { report(err); }
  } }, field("Any rule or list of rules (JSON or YAML)", jsonRule), h("button", { type: "submit" }, "Add rules"));

  const usage = Object.entries(throttle.usage).flatMap(([family, u]) => [
    [family, "all clients", String(u.global), limitText(throttle.policy.families[family], "global")],
    ...Object.entries(u.clients).map(([cid, count]) => [family, h("code", {}, cid), String(count),
      limitText(throttle.policy.families[family], "per_client")]),
  ]);
  const syncWindows = Object.entries((throttle.syncs || {}).clients || {}).map(([cid, w]) => [h("code", {}, cid),
    fmtTime(w.opened), String(w.calls), fmtTime(w.reopens_at),
    w.open ? `open: ${w.retry_after} s left, ${w.refused} call(s) of other runs refused` : "closed"]);
  const mode = select({ id: "throttle-mode" }, [["off", "off"], ["documented", "documented limits"],
    ["field", "documented limits + running frequency (field)"]],
    throttle.policy.mode === "custom" ? "" : throttle.policy.mode);
  const throttleForm = h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    try { await api("PUT", "/throttle", JSON.stringify(mode.value)); say(`Throttle set to ${mode.value}.`); refresh(); } catch (err) { report(err); }
  } }, field("Throttle policy", mode), h("button", { type: "submit" }, "Apply (resets the windows)"));

  const advance = h("input", { id: "clock-advance", type: "number", min: 0, step: "any", value: 60 });
  const clockForm = h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    try { await api("POST", "/clock", { advance: Number(advance.value) }); say(`Clock advanced by ${advance.value} s.`); refresh(); } catch (err) { report(err); }
  } }, field("Advance the clock by (seconds)", advance), h("button", { type: "submit" }, "Advance"));

  return [
    h("h1", {}, "Faults and throttle"),
    h("section", { "aria-labelledby": "rules-title" },
      h("h2", { id: "rules-title" }, "Fault rules"),
      table("Fault rules, tried in order", ["Id", "Match", "Respond", "Remaining", "Fired", ""], ruleRows, "No fault rules."),
      faults.faults.length ? h("button", { type: "button", class: "danger", id: "clear-faults", onclick: async () => {
        if (!(await confirmAction("Clear all fault rules?", `${faults.faults.length} rule(s) will be removed.`, "Clear rules"))) return;
        try { await api("DELETE", "/faults"); say("All fault rules removed."); refresh(); } catch (err) { report(err); }
      } }, "Clear all fault rules") : null,
      h("h3", {}, "Add a rule"), addForm,
      h("details", {}, h("summary", {}, "Add any rule as JSON"), jsonForm)),
    h("section", { "aria-labelledby": "throttle-title" },
      h("h2", { id: "throttle-title" }, "Throttle"),
      h("p", {}, `Policy: ${throttle.policy.mode}.`),
      throttleForm,
      table("Current windows per family and client", ["Family", "Client", "Requests in window", "Limit"], usage,
        throttle.policy.mode === "off" ? "Throttling is off." : "No request counted in any window."),
      table(`Run windows (running-frequency control${throttle.policy.sync_interval ? `, ${throttle.policy.sync_interval} s` : ", off"})`,
        ["Client", "Opened", "Calls of its run", "Reopens", "State"], syncWindows,
        throttle.policy.sync_interval ? "No run seen yet." : "The running-frequency control is off.")),
    h("section", { "aria-labelledby": "clock-title" },
      h("h2", { id: "clock-title" }, "Emulator clock"),
      dl([["Now", fmtTime(clock.now)], ["Offset from real time", `${clock.offset.toFixed(3)} s`]]),
      clockForm),
  ];
}

function limitText(limit, key) {
  if (!limit) return "";
  return limit[key] === null ? "unlimited" : `${limit[key]} per ${limit.window} s`;
}

// ------------------------------------------------------------------ actions

async function pageActions() {
  const report = (err) => { if (!(err instanceof AuthNeeded)) say(err.message, true); };
  const tokenField = h("input", { type: "hidden", name: "token", value: token() || "" });
  const dump = h("form", { method: "post", action: "state-download", id: "dump-form" }, tokenField,
    h("button", { type: "submit" }, "Download the state (JSON)"));
  const file = h("input", { id: "state-file", type: "file", accept: ".json,.yaml,.yml,application/json" });
  const load = h("form", { class: "row", id: "load-form", onsubmit: async (e) => {
    e.preventDefault();
    if (!file.files.length) { say("Choose a state file first.", true); return; }
    const f = file.files[0];
    if (!(await confirmAction("Load this state?", `Every org will be replaced by the contents of ${f.name}.`, "Load state"))) return;
    const text = await f.text();
    const yaml = /\.ya?ml$/i.test(f.name);
    try {
      const r = await api("PUT", "/state", text, yaml ? "application/yaml" : "application/json");
      state.orgs = [];
      say(`State loaded: ${r.orgs.length} org(s).`);
    } catch (err) { report(err); }
  } }, field("State file (seed format)", file), h("button", { type: "submit" }, "Load state"));
  const reset = h("button", { type: "button", class: "danger", id: "reset", onclick: async () => {
    if (!(await confirmAction("Reset to the seed?", "Every org goes back to the state it started with. Fault rules, throttle windows and the journal stay.", "Reset"))) return;
    try { const r = await api("POST", "/reset"); state.orgs = []; say(`Reset to the seed: ${r.orgs.length} org(s).`); } catch (err) { report(err); }
  } }, "Reset to seed");
  const clearJournal = h("button", { type: "button", class: "danger", id: "clear-journal", onclick: async () => {
    if (!(await confirmAction("Clear the journal?", "Every recorded request is forgotten.", "Clear journal"))) return;
    try { await api("DELETE", "/journal"); say("Journal cleared."); } catch (err) { report(err); }
  } }, "Clear the journal");
  return [
    h("h1", {}, "Actions"),
    h("section", { class: "card", "aria-labelledby": "a-reset" }, h("h2", { id: "a-reset" }, "Reset"),
      h("p", {}, "Put every org back to the start-up seed."), reset),
    h("section", { class: "card", "aria-labelledby": "a-dump" }, h("h2", { id: "a-dump" }, "Dump the state"),
      h("p", {}, "Downloads the whole state in seed format, client secrets included: it goes straight to a file and is never shown here."), dump),
    h("section", { class: "card", "aria-labelledby": "a-load" }, h("h2", { id: "a-load" }, "Load a state"),
      h("p", {}, "Replaces every org with a state or seed document (JSON or YAML)."), load),
    h("section", { class: "card", "aria-labelledby": "a-journal" }, h("h2", { id: "a-journal" }, "Journal"), clearJournal),
  ];
}

// --------------------------------------------------------------------- boot

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
    document.getElementById("token").value = "";
    state.orgs = [];
    route();
  });
  document.getElementById("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.orgs = [];
    showLogin("Signed out.");
  });
  document.getElementById("org").addEventListener("change", (e) => {
    state.org = e.target.value;
    sessionStorage.setItem("umapi-mock-org", state.org);
    route();
  });
  window.addEventListener("hashchange", () => { say(""); route(); });
  route();
});
