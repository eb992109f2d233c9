// The matrix editor: edits are held in this browser session until saved; the server recomputes.
"use strict";
(function () {
  const root = document.getElementById("editor");
  if (!root) return;
  const state = JSON.parse(document.getElementById("editor-state").textContent);
  const editable = root.dataset.editable === "yes";
  const csrf = root.dataset.csrf;
  const base = "/models/" + encodeURIComponent(state.model) + "/editor";
  const storeKey = "scenarist-editor:" + state.model + ":" + state.revision;
  const $ = (id) => document.getElementById(id);
  let edits = {};
  try { edits = JSON.parse(sessionStorage.getItem(storeKey) || "{}"); } catch (e) { edits = {}; }
  let current = null;
  let pending = 0;
  let digest = "";

  const key = (from, to) => from + " " + to;
  const saved = (k) => state.cells[k] || null;
  const shown = (k) => (k in edits ? edits[k] : saved(k));
  const signed = (n) => (n > 0 ? "+" : n < 0 ? "−" : "") + Math.abs(n);
  const pct = (p) => (100 * p).toFixed(1) + " %";
  const pts = (d) => (d > 0 ? "+" : d < 0 ? "−" : "±") + Math.abs(100 * d).toFixed(1) + " pt";

  function cellOf(k) {
    const [from, to] = k.split(" ");
    return document.querySelector('td.cell[data-from="' + from + '"][data-to="' + to + '"]');
  }

  function paint(k) {
    const td = cellOf(k);
    if (!td) return;
    const c = shown(k);
    const impact = c && c.impact ? c.impact : 0;
    td.textContent = impact ? signed(impact) : "";
    td.classList.toggle("pos", impact > 0);
    td.classList.toggle("neg", impact < 0);
    td.classList.toggle("edited", k in edits);
  }

  function same(a, b) {
    const norm = (c) => c && c.impact ? [c.impact, c.confidence || null, (c.rationale || "").trim(), (c.sources || []).join(" ")] : null;
    return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
  }

  function payload() {
    return Object.keys(edits).map((k) => {
      const [from, to] = k.split(" ");
      const c = edits[k];
      return { from: from, to: to, impact: c.impact || null, confidence: c.confidence || null,
               rationale: c.rationale || null, sources: c.sources || [] };
    });
  }

  async function post(path, body) {
    const response = await fetch(base + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    let data;
    try { data = await response.json(); } catch (e) { data = { ok: false, error: "the server answered " + response.status }; }
    if (!response.ok || !data.ok) throw new Error(data.error || "the server answered " + response.status);
    return data;
  }

  function select(td) {
    document.querySelectorAll("td.cell.selected").forEach((t) => t.classList.remove("selected"));
    td.classList.add("selected");
    current = key(td.dataset.from, td.dataset.to);
    const c = shown(current) || {};
    $("cell-none").hidden = true;
    $("cell-form").hidden = false;
    $("cell-error").hidden = true;
    $("cell-title").textContent = td.title;
    $("cell-impact").value = c.impact || 0;
    $("cell-confidence").value = c.confidence ? String(c.confidence) : "";
    $("cell-rationale").value = c.rationale || "";
    $("cell-sources").value = (c.sources || []).join(" ");
  }

  function listEdits() {
    const list = $("edits-list");
    list.textContent = "";
    const keys = Object.keys(edits);
    $("edits-none").hidden = keys.length > 0;
    keys.forEach((k) => {
      const li = document.createElement("li");
      const before = saved(k), after = edits[k];
      li.textContent = k.replace(" ", " → ") + ": " + (before ? signed(before.impact) : "0") + " → " +
        (after.impact ? signed(after.impact) : "0 (removed)");
      list.appendChild(li);
    });
  }

  function store() {
    sessionStorage.setItem(storeKey, JSON.stringify(edits));
    listEdits();
  }

  function show(result) {
    const s = result.saved, e = result.edited;
    $("consistent-count").textContent = e.consistent_count;
    const d = e.consistent_count - s.consistent_count;
    $("consistent-change").textContent = d ? "(" + (d > 0 ? "+" : "−") + Math.abs(d) + ")" : "(no change)";
    const byId = {};
    s.families.forEach((f) => { byId[f.id] = f.probability; });
    e.families.forEach((f) => {
      const row = document.querySelector('#families tr[data-family="' + f.id + '"]');
      if (!row) return;
      row.querySelector(".edited").textContent = pct(f.probability);
      const change = f.probability - (byId[f.id] || 0);
      const cell = row.querySelector(".change");
      cell.textContent = pts(change);
      cell.classList.toggle("pos", change > 0.0005);
      cell.classList.toggle("neg", change < -0.0005);
    });
    const added = new Set(result.consistent_added);
    const list = $("consistent-list");
    list.textContent = "";
    e.consistent.forEach((sc) => {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.className = "named";
      name.textContent = sc.family_name;
      const code = document.createElement("code");
      code.textContent = sc.key;
      li.append(name, " ", code);
      if (added.has(sc.key)) { li.className = "new"; li.append(" (new)"); }
      list.appendChild(li);
    });
    result.consistent_removed.forEach((k) => {
      const li = document.createElement("li");
      li.className = "gone";
      const code = document.createElement("code");
      code.textContent = k;
      li.append("no longer consistent: ", code);
      list.appendChild(li);
    });
  }

  async function recompute() {
    const n = ++pending;
    const count = Object.keys(edits).length;
    $("status").textContent = count ? "Recomputing with " + count + " edited cell(s)…" : "Recomputing…";
    root.classList.add("busy");
    try {
      const result = await post("/evaluate", { edits: payload() });
      if (n !== pending) return;
      show(result);
      $("status").textContent = count ? count + " edited cell(s), not saved yet; the changes are against the saved model."
        : "No edits: the saved model.";
    } catch (err) {
      if (n === pending) $("status").textContent = "Not recomputed: " + err.message;
    } finally {
      if (n === pending) root.classList.remove("busy");
    }
  }

  document.querySelectorAll("td.cell").forEach((td) => {
    td.addEventListener("click", () => select(td));
    td.addEventListener("keydown", (ev) => { if (ev.key === "Enter") select(td); });
  });
  Object.keys(edits).forEach(paint);
  listEdits();
  if (!editable) return;
  if (Object.keys(edits).length) recompute();

  $("cell-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!current) return;
    const text = $("cell-impact").value.trim();
    if (!/^[+-]?\d+$/.test(text || "0")) {
      $("cell-error").textContent = "impact must be an integer";
      $("cell-error").hidden = false;
      return;
    }
    $("cell-error").hidden = true;
    const next = {
      impact: parseInt(text || "0", 10), confidence: $("cell-confidence").value ? parseInt($("cell-confidence").value, 10) : null,
      rationale: $("cell-rationale").value.trim(), sources: $("cell-sources").value.split(/[\s;]+/).filter(Boolean),
    };
    if (same(next, saved(current))) delete edits[current]; else edits[current] = next;
    paint(current);
    store();
    recompute().then(() => {
      if ($("status").textContent.startsWith("Not recomputed")) {
        $("cell-error").textContent = $("status").textContent;
        $("cell-error").hidden = false;
      }
    });
  });

  $("cell-revert").addEventListener("click", () => {
    if (!current) return;
    delete edits[current];
    paint(current);
    store();
    select(cellOf(current));
    recompute();
  });

  $("discard").addEventListener("click", () => {
    const keys = Object.keys(edits);
    edits = {};
    keys.forEach(paint);
    store();
    $("save-panel").hidden = true;
    recompute();
  });

  $("save").addEventListener("click", async () => {
    $("save-message").hidden = true;
    if (!Object.keys(edits).length) {
      $("save-message").className = "note";
      $("save-message").textContent = "Nothing to save: no cell was edited.";
      $("save-message").hidden = false;
      return;
    }
    try {
      const result = await post("/diff", { edits: payload() });
      digest = result.digest;
      $("diff").textContent = result.diff || "(the file would not change)";
      $("save-panel").hidden = false;
      $("save-panel").scrollIntoView({ block: "nearest" });
    } catch (err) {
      $("save-message").className = "error";
      $("save-message").textContent = "Cannot save: " + err.message;
      $("save-message").hidden = false;
    }
  });

  $("cancel-save").addEventListener("click", () => { $("save-panel").hidden = true; });

  $("confirm-save").addEventListener("click", async () => {
    try {
      const result = await post("/save", { edits: payload(), digest: digest });
      sessionStorage.removeItem(storeKey);
      $("save-panel").hidden = true;
      $("save-message").className = "ok";
      $("save-message").textContent = "Saved " + result.file + " (" + result.judgments + " judgments). Reloading the saved model…";
      $("save-message").hidden = false;
      setTimeout(() => { window.location.assign(base + "?saved=" + encodeURIComponent(result.revision)); }, 600);
    } catch (err) {
      $("save-message").className = "error";
      $("save-message").textContent = "Not saved: " + err.message;
      $("save-message").hidden = false;
    }
  });
})();
