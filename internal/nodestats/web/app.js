// flowhook node stats: reloads the page's main element every few seconds,
// so that the numbers follow new outcomes. The HTML is rendered (and
// escaped) by the server's template; this script only inserts it.
"use strict";
(function () {
  const main = document.getElementById("main");
  const updated = document.getElementById("updated");
  const live = document.getElementById("live");
  if (!new URLSearchParams(location.search).get("account")) return;
  let busy = false;

  async function reload() {
    if (busy) return;
    busy = true;
    try {
      const q = new URLSearchParams(location.search);
      q.set("part", "main");
      const resp = await fetch(location.pathname + "?" + q.toString(), { cache: "no-store" });
      main.innerHTML = await resp.text();
      updated.textContent = "updated " + new Date().toISOString().replace(/\.\d+Z$/, "Z");
      live.textContent = "";
    } catch (e) {
      live.textContent = "cannot reach flowhook (" + e.message + "); retrying";
    } finally {
      busy = false;
    }
  }

  setInterval(reload, 3000);
})();
