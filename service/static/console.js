// The event day console: find a participant in the check-in list as you type, and (a bonus; the
// forms do the same) drag a meeting of the grid onto a free cell or another meeting to preview a
// move or a swap. Everything works without this script.
"use strict";
document.querySelectorAll("input[data-filter]").forEach((input) => {
  const list = document.querySelector(input.dataset.filter);
  if (!list) return;
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
    list.querySelectorAll("li[data-text]").forEach((item) => {
      const text = item.dataset.text || "";
      item.hidden = !words.every((word) => text.includes(word));
    });
  });
});

(() => {
  const grid = document.querySelector("table.console-grid");
  const move = document.querySelector("#op-move form");
  const swap = document.querySelector("#op-swap form");
  if (!grid || !move || !swap) return;
  let dragged = null;
  grid.querySelectorAll("td.meeting").forEach((cell) => {
    cell.setAttribute("draggable", "true");
    cell.addEventListener("dragstart", (event) => {
      dragged = cell;
      event.dataTransfer.setData("text/plain", cell.dataset.pair || "");
      event.dataTransfer.effectAllowed = "move";
    });
    cell.addEventListener("dragend", () => { dragged = null; });
  });
  grid.querySelectorAll("td.meeting, td.free").forEach((cell) => {
    cell.addEventListener("dragover", (event) => {
      if (dragged && dragged !== cell) { event.preventDefault(); cell.classList.add("drop-target"); }
    });
    cell.addEventListener("dragleave", () => cell.classList.remove("drop-target"));
    cell.addEventListener("drop", (event) => {
      event.preventDefault();
      cell.classList.remove("drop-target");
      if (!dragged || dragged === cell) return;
      if (cell.classList.contains("meeting")) {
        swap.querySelector("[name=meeting]").value = dragged.dataset.pair;
        swap.querySelector("[name=other]").value = cell.dataset.pair;
        swap.requestSubmit();
      } else {
        move.querySelector("[name=meeting]").value = dragged.dataset.pair;
        move.querySelector("[name=start]").value = cell.dataset.start;
        move.querySelector("[name=table]").value = cell.dataset.table;
        move.requestSubmit();
      }
    });
  });
})();
