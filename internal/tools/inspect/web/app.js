// flowhook inspect: follows new and changed captures by polling the server
// for the HTML of captures changed since the newest revision shown (a
// delayed answer that was sent, or whose client gave up, changes). The HTML
// is rendered (and escaped) by the server's template; this script only
// inserts it, filters the list and folds requests.
"use strict";
(function () {
  const body = document.body;
  const prefix = body.dataset.prefix;
  const capacity = parseInt(body.dataset.capacity, 10) || 500;
  const list = document.getElementById("requests");
  const count = document.getElementById("count");
  const total = document.getElementById("total");
  const of = document.getElementById("of");
  const empty = document.getElementById("empty");
  const state = document.getElementById("state");
  const filter = document.getElementById("filter");
  let rev = parseInt(body.dataset.rev, 10) || 0;
  let busy = false;

  function matches(article) {
    const q = filter.value.trim().toLowerCase();
    return q === "" || article.textContent.toLowerCase().includes(q);
  }

  function refreshCount() {
    let shown = 0;
    for (const a of list.children) {
      a.hidden = !matches(a);
      if (!a.hidden) shown++;
    }
    count.textContent = String(shown);
    total.textContent = String(list.children.length);
    of.hidden = shown === list.children.length;
    empty.hidden = list.children.length > 0;
  }

  // place puts a rendered capture in the list: in place of its older
  // version (keeping it folded if it was), or at the top.
  function place(article) {
    const old = document.getElementById(article.id);
    if (old) {
      const was = old.querySelector("details");
      const now = article.querySelector("details");
      if (was && now) now.open = was.open;
      old.replaceWith(article);
      return;
    }
    list.prepend(article);
  }

  async function poll() {
    if (busy) return;
    busy = true;
    try {
      const resp = await fetch(prefix + "fragment?rev=" + rev, { cache: "no-store" });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      const next = parseInt(resp.headers.get("X-Inspect-Rev"), 10);
      const tpl = document.createElement("template");
      tpl.innerHTML = await resp.text();
      const articles = Array.from(tpl.content.querySelectorAll("article.req")).reverse(); // oldest first
      for (const a of articles) place(a);
      if (!isNaN(next)) rev = next;
      while (list.children.length > capacity) list.lastElementChild.remove();
      refreshCount();
      state.textContent = "";
    } catch (e) {
      state.textContent = "cannot reach the catcher (" + e.message + "); retrying";
    } finally {
      busy = false;
    }
  }

  function fold(open) {
    for (const d of list.querySelectorAll("details")) d.open = open;
  }

  document.getElementById("clear").addEventListener("click", async function () {
    await fetch(prefix + "api/requests", { method: "DELETE" });
    list.replaceChildren();
    refreshCount();
  });
  document.getElementById("collapse").addEventListener("click", function () { fold(false); });
  document.getElementById("expand").addEventListener("click", function () { fold(true); });
  filter.addEventListener("input", refreshCount);

  refreshCount();
  setInterval(poll, 500);
  poll();
})();
