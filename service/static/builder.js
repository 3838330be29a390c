// The event builder (builder.html): rows added and removed in the page, participant lists filtered,
// the booth map drawn (click a table, then an empty cell, to move it), and every change checked by the
// server (/events/builder/check), each problem shown beside its field. Without this script the form
// still works: its add/remove buttons send the form and the server answers with the rows changed.
"use strict";
(() => {
  const form = document.getElementById("builder");
  if (!form) return;
  document.documentElement.classList.add("js");
  const text = (key, values) =>
    (form.dataset[key] || "").replace(/\{(\w+)\}/g, (_, name) => (name in values ? values[name] : ""));
  const all = (selector, root = form) => Array.from(root.querySelectorAll(selector));

  // -- rows ------------------------------------------------------------------------------------------
  function renumber(list) {
    const name = list.dataset.rows;
    all(":scope > [data-row]", list).forEach((row, i) => {
      row.id = `f-${name}-${i}`;
      const remove = row.querySelector("button[name=remove]");
      if (remove) remove.value = `${name}-${i}`;
      const slot = row.querySelector(":scope > [data-problem]");
      if (slot) slot.dataset.problem = `${name}-${i}`;
    });
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[name=add], button[name=remove]");
    if (!button) return;
    event.preventDefault();
    if (button.name === "add") {
      const name = button.value;
      const template = form.querySelector(`template[data-template="${name}"]`);
      const list = form.querySelector(`[data-rows="${name}"]`);
      const row = template.content.querySelector("[data-row]").cloneNode(true);
      list.appendChild(row);
      renumber(list);
      refreshPeople(row);
      refreshTables(row);
      refreshSlots(lastSlots, row);
      const first = row.querySelector("input, select");
      if (first) first.focus();
    } else {
      const row = button.closest("[data-row]");
      const list = row.parentElement;
      row.remove();
      renumber(list);
      check();
    }
  });

  // -- participant pickers ---------------------------------------------------------------------------
  const pickers = all("[data-picker]");

  function filterPicker(picker) {
    const value = (name) => {
      const input = picker.querySelector(`[data-filter="${name}"]`);
      return input ? input.value.trim().toLowerCase() : "";
    };
    const words = value("text").split(/\s+/).filter(Boolean);
    const province = value("province");
    const material = value("material");
    const product = value("product");
    const stars = Number(value("stars") || 0);
    const onlyChosen = picker.querySelector("[data-only-chosen]").checked;
    let shown = 0;
    const rows = all(".pick", picker);
    rows.forEach((row) => {
      const box = row.querySelector("input");
      const haystack = `${row.textContent} ${row.dataset.needs || ""}`.toLowerCase();
      const ok =
        words.every((w) => haystack.includes(w)) &&
        (!province || row.dataset.province.toLowerCase().split("|").includes(province)) &&
        (!material || row.dataset.materials.split(" ").includes(material)) &&
        (!product || row.dataset.products.split(" ").includes(product)) &&
        (!stars || Number(row.dataset.stars || 0) >= stars) &&
        (!onlyChosen || box.checked);
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    picker.querySelector("[data-shown]").textContent = text("tShown", { shown, total: rows.length });
    countPicker(picker);
  }

  function countPicker(picker) {
    const n = all(".pick input:checked", picker).length;
    picker.querySelector("[data-count]").textContent = text("tChosen", { n });
  }

  let filterTimer = 0;
  pickers.forEach((picker) => {
    picker.addEventListener("input", (event) => {
      if (!event.target.matches("[data-filter], [data-only-chosen]")) return;
      clearTimeout(filterTimer);
      filterTimer = setTimeout(() => filterPicker(picker), 120);
    });
    picker.addEventListener("change", (event) => {
      if (event.target.matches("[data-filter], [data-only-chosen]")) {
        event.stopPropagation();
        filterPicker(picker);
      } else {
        countPicker(picker);
        refreshPeople(form);
      }
    });
    picker.querySelector("[data-select-shown]").addEventListener("click", () => setShown(picker, true));
    picker.querySelector("[data-clear-shown]").addEventListener("click", () => setShown(picker, false));
    filterPicker(picker);
  });

  // Enter in a filter filters; it must not send (save) the whole form
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches("[data-filter]")) event.preventDefault();
  });

  function setShown(picker, checked) {
    all(".pick:not([hidden]) input", picker).forEach((box) => { box.checked = checked; });
    countPicker(picker);
    refreshPeople(form);
    check();
  }

  function people(kind) {
    const picker = form.querySelector(`[data-picker="${kind}"]`);
    const everyone = form.querySelector(`[data-all="${kind}"]`).checked;
    const rows = all(".pick", picker);
    const chosen = rows.filter((row) => row.querySelector("input").checked);
    return (everyone || !chosen.length ? rows : chosen).map((row) => [
      row.querySelector("input").value,
      row.querySelector(".pick-name").textContent,
    ]);
  }

  function fill(select, groups) {
    const current = select.value;
    const keep = [];
    select.textContent = "";
    select.appendChild(new Option(text("tChoose", {}), ""));
    let found = !current;
    groups.forEach(([label, list]) => {
      const parent = label ? document.createElement("optgroup") : select;
      if (label) { parent.label = label; select.appendChild(parent); }
      list.forEach(([id, name]) => {
        parent.appendChild(new Option(`${name} (${id})`, id, false, id === current));
        if (id === current) found = true;
      });
    });
    if (!found) keep.push(current);
    keep.forEach((id) => select.appendChild(new Option(id, id, false, true)));
  }

  function refreshPeople(root) {
    const selects = all("select[data-people]", root);
    if (!selects.length) return;
    const buyers = people("buyers");
    const ikms = people("ikms");
    const groupLabel = (kind) => form.querySelector(`#f-${kind}`).textContent.trim();
    selects.forEach((select) => {
      const kind = select.dataset.people;
      if (kind === "buyers") fill(select, [["", buyers]]);
      else if (kind === "ikms") fill(select, [["", ikms]]);
      else fill(select, [[groupLabel("buyers"), buyers], [groupLabel("ikms"), ikms]]);
    });
  }

  // -- tables and the booth map ----------------------------------------------------------------------
  const boothRows = form.querySelector('[data-rows="booth"]');
  const grid = form.querySelector("[data-booth-grid]");
  const boothHint = form.querySelector("[data-booth-hint]");
  let picked = null;

  function tableNames() {
    const mode = form.querySelector("input[name=tables_mode]:checked");
    if (mode && mode.value === "names") {
      return form.elements.table_names.value.split("\n").map((s) => s.trim()).filter(Boolean);
    }
    const n = Number(form.elements.tables_count.value);
    return Number.isInteger(n) && n > 0 && n <= 500 ? Array.from({ length: n }, (_, i) => String(i + 1)) : [];
  }

  function showTablesMode() {
    const mode = form.querySelector("input[name=tables_mode]:checked");
    const names = mode && mode.value === "names";
    form.querySelector(".tables-count").hidden = names;
    form.querySelector(".tables-names").hidden = !names;
  }

  function rebuildBooth() {
    const names = tableNames();
    const places = {};
    all("[data-row]", boothRows).forEach((row) => {
      places[row.querySelector("[name=booth_table]").value] = [
        row.querySelector("[name=booth_row]").value,
        row.querySelector("[name=booth_col]").value,
      ];
    });
    const template = boothRows.querySelector("[data-row]");
    if (!template && !names.length) return;
    const current = all("[data-row]", boothRows).map((row) => row.querySelector("[name=booth_table]").value);
    if (current.join("\n") !== names.join("\n")) {
      boothRows.textContent = "";
      names.forEach((name) => {
        const row = boothRow(name, places[name] || ["", ""]);
        boothRows.appendChild(row);
      });
      renumber(boothRows);
    }
    drawBooth();
  }

  function boothRow(name, [r, c]) {
    const row = document.createElement("div");
    row.className = "brow booth-row";
    row.dataset.row = "";
    const hidden = Object.assign(document.createElement("input"), { type: "hidden", name: "booth_table", value: name });
    const title = document.createElement("span");
    title.className = "booth-name";
    const strong = document.createElement("strong");
    const shown = /^\d+$/.test(name) ? `${boothWords.table} ${name}` : name;
    strong.textContent = shown;
    title.append(strong);
    row.append(hidden, title, numberLabel(boothWords.row, "booth_row", r, shown), numberLabel(boothWords.col, "booth_col", c, shown));
    const slot = document.createElement("p");
    slot.className = "problem";
    slot.hidden = true;
    slot.dataset.problem = "";
    row.appendChild(slot);
    return row;
  }

  function numberLabel(word, name, value, table) {
    const label = document.createElement("label");
    const input = Object.assign(document.createElement("input"), { type: "number", name, min: 1, max: 50, value });
    input.setAttribute("aria-label", `${table}: ${word}`);
    label.append(`${word} `, input);
    return label;
  }

  const boothWords = { table: text("tTable", {}), row: text("tRow", {}), col: text("tCol", {}) };

  function layout() {
    const rows = all("[data-row]", boothRows).map((row) => ({
      name: row.querySelector("[name=booth_table]").value,
      row: Number(row.querySelector("[name=booth_row]").value),
      col: Number(row.querySelector("[name=booth_col]").value),
    }));
    const ok = (n) => Number.isInteger(n) && n >= 1 && n <= 50;
    const placed = {};
    const taken = new Set();
    rows.forEach((t) => {
      if (ok(t.row) && ok(t.col) && !taken.has(`${t.row},${t.col}`)) {
        placed[t.name] = [t.row, t.col, true];
        taken.add(`${t.row},${t.col}`);
      }
    });
    const cols = Object.values(placed).map((p) => p[1]);
    const width = cols.length ? Math.max(...cols) : Math.max(1, Math.ceil(Math.sqrt(rows.length)));
    let r = 1;
    let c = 1;
    rows.forEach((t) => {
      if (placed[t.name]) return;
      while (taken.has(`${r},${c}`)) { c += 1; if (c > width) { c = 1; r += 1; } }
      placed[t.name] = [r, c, false];
      taken.add(`${r},${c}`);
    });
    return { placed, width };
  }

  function drawBooth() {
    if (!grid) return;
    const { placed, width } = layout();
    const entries = Object.entries(placed);
    const height = Math.max(1, ...entries.map(([, p]) => p[0])) + 1;
    const cols = Math.max(width, ...entries.map(([, p]) => p[1])) + 1;
    const at = {};
    entries.forEach(([name, p]) => { at[`${p[0]},${p[1]}`] = [name, p[2]]; });
    grid.textContent = "";
    grid.style.gridTemplateColumns = `repeat(${cols}, minmax(2.4rem, 4.5rem))`;
    for (let r = 1; r <= height; r += 1) {
      for (let c = 1; c <= cols; c += 1) {
        const cell = document.createElement("button");
        cell.type = "button";
        cell.dataset.cell = `${r},${c}`;
        const here = at[`${r},${c}`];
        if (here) {
          cell.textContent = here[0];
          cell.className = `booth-cell table${here[1] ? " placed" : ""}${picked === here[0] ? " picked" : ""}`;
          cell.dataset.table = here[0];
          cell.title = here[0];
          cell.setAttribute("aria-pressed", picked === here[0] ? "true" : "false");
        } else {
          cell.className = "booth-cell empty";
          cell.setAttribute("aria-label", `${boothWords.row} ${r}, ${boothWords.col} ${c}`);
        }
        grid.appendChild(cell);
      }
    }
    boothHint.textContent = picked ? text("tPick", { name: picked }) : "";
  }

  if (grid) {
    grid.addEventListener("click", (event) => {
      const cell = event.target.closest(".booth-cell");
      if (!cell) return;
      if (cell.dataset.table) {
        picked = picked === cell.dataset.table ? null : cell.dataset.table;
        drawBooth();
        return;
      }
      if (!picked) return;
      const [r, c] = cell.dataset.cell.split(",");
      const row = all("[data-row]", boothRows).find((x) => x.querySelector("[name=booth_table]").value === picked);
      if (row) {
        row.querySelector("[name=booth_row]").value = r;
        row.querySelector("[name=booth_col]").value = c;
      }
      picked = null;
      drawBooth();
      check();
    });
  }

  function refreshTables(root) {
    const names = tableNames();
    all("select[data-tables-select]", root).forEach((select) => {
      const current = select.value;
      select.textContent = "";
      select.appendChild(new Option(text("tChoose", {}), ""));
      names.forEach((name) => select.appendChild(new Option(name, name, false, name === current)));
      if (current && !names.includes(current)) select.appendChild(new Option(current, current, false, true));
    });
  }

  // -- slots and the live check ----------------------------------------------------------------------
  let lastSlots = null;

  function refreshSlots(slots, root) {
    if (!slots) return;
    all("select[data-slots-select]", root).forEach((select) => {
      const current = select.value;
      select.textContent = "";
      select.appendChild(new Option(text("tChoose", {}), ""));
      slots.forEach((s) => select.appendChild(new Option(s, s, false, s === current)));
      if (current && !slots.includes(current)) select.appendChild(new Option(current, current, false, true));
    });
  }

  const status = form.querySelector("[data-status]");
  const summary = document.querySelector("[data-summary]");
  const summaryList = document.querySelector("[data-summary-list]");
  let sequence = 0;
  let checkTimer = 0;

  function show(problems) {
    all("[data-problem]").forEach((slot) => { slot.hidden = true; slot.textContent = ""; });
    all(".has-problem").forEach((el) => el.classList.remove("has-problem"));
    summaryList.textContent = "";
    problems.forEach((p) => {
      const slot = form.querySelector(`[data-problem="${CSS.escape(p.key)}"]`) || form.querySelector('[data-problem="form"]');
      slot.textContent = slot.textContent ? `${slot.textContent} · ${p.text}` : p.text;
      slot.hidden = false;
      const holder = slot.closest("[data-row], .field, fieldset");
      if (holder) holder.classList.add("has-problem");
      const item = document.createElement("li");
      const link = Object.assign(document.createElement("a"), { href: `#f-${p.key}`, textContent: p.label });
      item.append(link, `: ${p.text}`);
      summaryList.appendChild(item);
    });
    summary.hidden = !problems.length;
  }

  async function check() {
    clearTimeout(checkTimer);
    const mine = ++sequence;
    status.textContent = text("tChecking", {});
    try {
      const response = await fetch(form.dataset.check, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok || mine !== sequence) return;
      const result = await response.json();
      if (mine !== sequence) return;
      show(result.problems);
      lastSlots = result.slots;
      refreshSlots(result.slots, form);
      form.querySelector("[data-slots]").textContent = result.slots_text;
      status.textContent = result.ok ? text("tOk", {}) : "";
    } catch (error) {
      status.textContent = "";
    }
  }

  function later() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 400);
  }

  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("[name=tables_mode], [name=tables_count], [name=table_names]")) {
      showTablesMode();
      rebuildBooth();
      refreshTables(form);
    } else if (target.matches("[name=booth_row], [name=booth_col]")) {
      drawBooth();
    } else if (target.matches("[data-all]")) {
      refreshPeople(form);
    }
    check();
  });
  form.addEventListener("input", (event) => {
    const target = event.target;
    if (target.matches("[data-filter], [data-only-chosen]")) return;
    if (target.matches("[name=tables_count], [name=table_names]")) {
      rebuildBooth();
      refreshTables(form);
    } else if (target.matches("[name=booth_row], [name=booth_col]")) {
      drawBooth();
    }
    if (target.matches("input[type=text], input:not([type]), input[type=number], textarea")) later();
  });
  form.addEventListener("submit", () => {
    status.textContent = text("tSaving", {});
  });

  showTablesMode();
  drawBooth();
})();
