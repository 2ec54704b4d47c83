/**
 * The static files of `proxyrm label`'s page. They hold no data: the script fetches the tuples
 * from the token-guarded API and puts every string from the run into the page with textContent,
 * so text from data is never parsed as HTML (and the Content-Security-Policy allows no inline
 * script to begin with).
 */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>proxyrm label</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header><h1>proxyrm label</h1><p id="who"></p><p id="progress" aria-live="polite"></p></header>
<main>
<section id="rubric-box"><h2>Rubric: one point each (0-5)</h2><ol id="rubric"></ol></section>
<section id="task-box" hidden>
<p class="meta">Task <span id="task"></span> &middot; response <code id="response-id"></code></p>
<h2>Instruction</h2><pre id="prompt"></pre>
<h2>Response</h2><pre id="response"></pre>
<form id="form" autocomplete="off">
<fieldset id="scores"><legend>Score (keys 0-5, then Enter)</legend></fieldset>
<label for="note">Note (optional; Ctrl+Enter saves from here)</label>
<textarea id="note" rows="3" maxlength="4000"></textarea>
<button id="save" type="submit" disabled>Save score</button>
</form>
</section>
<section id="done-box" hidden><h2>All done</h2><p id="done"></p></section>
<p id="status" role="status"></p>
</main>
</body>
</html>
`;

export const PAGE_CSS = `body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 52rem; padding: 1rem; color: #1b1b1b; }
header { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; border-bottom: 1px solid #ccc; }
h1 { font-size: 1.2rem; margin: .3rem 0; } h2 { font-size: 1rem; margin: 1rem 0 .3rem; }
pre { background: #f4f4f4; padding: .6rem; white-space: pre-wrap; word-break: break-word; min-height: 1.4em; margin: 0; }
#rubric { margin: 0; padding-left: 1.4rem; color: #444; }
#scores { border: 0; padding: 0; margin: 1rem 0 .5rem; display: flex; gap: .4rem; align-items: center; }
#scores button { width: 2.6rem; height: 2.6rem; font-size: 1.1rem; border: 1px solid #888; background: #fff; border-radius: 4px; cursor: pointer; }
#scores button[aria-pressed="true"] { background: #1f5fbf; color: #fff; border-color: #1f5fbf; }
textarea { width: 100%; box-sizing: border-box; font: inherit; }
#save { margin-top: .5rem; padding: .4rem 1rem; }
.meta { color: #555; } #status { min-height: 1.4em; } #status.error { color: #b00020; }
`;

export const PAGE_JS = `"use strict";
(() => {
  const token = new URLSearchParams(location.search).get("token") || "";
  const $ = (id) => document.getElementById(id);
  let current = null;
  let score = null;
  let busy = false;

  const api = async (path, body) => {
    const response = await fetch(path, {
      method: body === undefined ? "GET" : "POST",
      headers: { "x-proxyrm-token": token, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const data = await response.json().catch(() => ({ error: "HTTP " + response.status }));
    if (!response.ok) throw new Error(data.error || "HTTP " + response.status);
    return data;
  };

  const status = (text, error) => {
    $("status").textContent = text;
    $("status").className = error ? "error" : "";
  };

  const choose = (value) => {
    score = value;
    for (const b of $("scores").querySelectorAll("button")) b.setAttribute("aria-pressed", String(Number(b.dataset.score) === value));
    $("save").disabled = busy || score === null;
  };

  const show = (state) => {
    $("who").textContent = "labelling as " + state.person + " in " + state.run;
    $("progress").textContent = state.progress.labelled + " of " + state.progress.total + " labelled";
    current = state.next;
    $("task-box").hidden = current === null;
    $("done-box").hidden = current !== null;
    if (current === null) {
      $("done").textContent = "All " + state.progress.total + " selected tuples are labelled. Run the same proxyrm run command again to fit the proxy on these scores.";
      return;
    }
    $("task").textContent = current.task;
    $("response-id").textContent = current.response_id;
    $("prompt").textContent = current.prompt;
    $("response").textContent = current.response === "" ? "(empty response)" : current.response;
    $("note").value = "";
    choose(null);
  };

  const save = async () => {
    if (busy || current === null || score === null) return;
    busy = true;
    $("save").disabled = true;
    status("saving...");
    try {
      const state = await api("/api/label", { response_id: current.response_id, score, note: $("note").value });
      status(state.duplicate ? "already labelled earlier; the first score stands" : "saved " + current.response_id + ": " + score);
      busy = false;
      show(state);
    } catch (error) {
      busy = false;
      $("save").disabled = score === null;
      status("not saved: " + error.message, true);
    }
  };

  document.addEventListener("DOMContentLoaded", async () => {
    for (let s = 0; s <= 5; s++) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = String(s);
      b.dataset.score = String(s);
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", () => choose(s));
      $("scores").appendChild(b);
    }
    $("form").addEventListener("submit", (event) => {
      event.preventDefault();
      void save();
    });
    document.addEventListener("keydown", (event) => {
      if (current === null || busy) return;
      if (event.target === $("note")) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          void save();
        }
        return;
      }
      if (/^[0-5]$/.test(event.key)) {
        event.preventDefault();
        choose(Number(event.key));
      } else if (event.key === "Enter") {
        event.preventDefault();
        void save();
      }
    });
    try {
      const state = await api("/api/state");
      for (const r of state.rubric) {
        const li = document.createElement("li");
        li.textContent = r;
        $("rubric").appendChild(li);
      }
      show(state);
    } catch (error) {
      status("cannot load the tuples: " + error.message, true);
    }
  });
})();
`;
