// flowhook inspect: follows new captures by polling the server for the
// HTML of captures newer than the newest one shown. The HTML is rendered
// (and escaped) by the server's template; this script only inserts it.
"use strict";
(function () {
  const body = document.body;
  const prefix = body.dataset.prefix;
  const capacity = parseInt(body.dataset.capacity, 10) || 500;
  const list = document.getElementById("requests");
  const count = document.getElementById("count");
  const empty = document.getElementById("empty");
  const state = document.getElementById("state");
  let newest = parseInt(body.dataset.seq, 10) || 0;
  let busy = false;

  function refreshCount() {
    const n = list.children.length;
    count.textContent = String(n);
    empty.hidden = n > 0;
  }

  async function poll() {
    if (busy) return;
    busy = true;
    try {
      const resp = await fetch(prefix + "fragment?after=" + newest, { cache: "no-store" });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      const seq = parseInt(resp.headers.get("X-Inspect-Seq"), 10);
      const html = await resp.text();
      if (html.trim() !== "") list.insertAdjacentHTML("afterbegin", html);
      if (!isNaN(seq)) newest = seq;
      while (list.children.length > capacity) list.lastElementChild.remove();
      refreshCount();
      state.textContent = "";
    } catch (e) {
      state.textContent = "cannot reach the catcher (" + e.message + "); retrying";
    } finally {
      busy = false;
    }
  }

  document.getElementById("clear").addEventListener("click", async function () {
    await fetch(prefix + "api/requests", { method: "DELETE" });
    list.replaceChildren();
    refreshCount();
  });

  setInterval(poll, 500);
  poll();
})();
