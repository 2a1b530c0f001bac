"""Style sheet and small scripts of the web UI (kept apart from the layout in :mod:`mlnotes.assistant.ui`).

Only Gradio's theme variables are used for colours, so the light and the dark theme both follow them; no web fonts,
no emoji: marks are text or inline SVG.
"""

CSS = """
#mlnotes-title h2 { margin: 0 0 .25rem 0; }
#mlnotes-title .subtitle { font-weight: 400; }
#mlnotes-header { align-items: center; }
#theme-toggle { max-width: 9rem; }
.mlnotes-sources a, #doc-view a, #where a { text-decoration: underline; }
/* the readiness and help lines under the chat */
#chat-help, #ready-note { font-size: var(--text-sm); color: var(--body-text-color-subdued); }
/* tables and code scroll sideways inside their column instead of being cut or widening the page */
.prose table, #doc-view table, #alg-info table, #alg-metrics table, #chat-metrics table, #iv-feedback table {
  display: block; max-width: 100%; overflow-x: auto;
}
.prose th { white-space: nowrap; }
.prose td { min-width: 7em; overflow-wrap: normal; word-break: normal; hyphens: none; }
.prose pre, #doc-view pre { max-width: 100%; overflow-x: auto; }
#doc-view details { border: 1px solid var(--border-color-primary); border-radius: var(--radius-md);
  padding: .25rem .75rem; margin: .5rem 0; }
#doc-view summary { cursor: pointer; font-weight: 600; }
/* raw Markdown with the file's own line numbers */
#raw-view .mlnotes-raw { font-family: var(--font-mono); font-size: var(--text-sm); line-height: 1.45;
  overflow-x: auto; max-width: 100%; margin: 0; padding: .5rem 0; white-space: pre;
  background: var(--background-fill-secondary); color: var(--body-text-color); border-radius: var(--radius-md); }
#raw-view .mlnotes-raw .ln { display: inline-block; min-width: 3.5em; padding: 0 .75em 0 .5em; text-align: right;
  color: var(--body-text-color-subdued); user-select: none; border-right: 1px solid var(--border-color-primary);
  margin-right: .75em; }
/* the interview's marks: text with a coloured badge, readable without emoji fonts */
.mark { display: inline-block; font-weight: 700; font-size: .8em; padding: 0 .4em; border-radius: .3em;
  margin-right: .3em; }
.mark-ok { color: #0b5d1e; background: #d3f2dc; }
.mark-miss { color: #8a1c1c; background: #fbdcdc; }
.mark-hint { color: #6b4a00; background: #fbefc8; }
.dark .mark-ok { color: #b8f0c6; background: #17452a; }
.dark .mark-miss { color: #ffc9c9; background: #5a1d1d; }
.dark .mark-hint { color: #ffe7a3; background: #4d3a05; }
/* phone width: every tab stays reachable (no overflow menu), nothing widens the page */
@media (max-width: 640px) {
  /* Gradio measures the tab buttons (in a hidden copy) and moves those that do not fit into a "more" menu:
     narrower buttons make all four fit in 390 px */
  .tab-wrapper .tab-container button { padding-left: .45rem !important; padding-right: .45rem !important;
    min-width: 0 !important; }
  .gradio-container { padding-left: 6px !important; padding-right: 6px !important; }
  #chatbot { height: 60vh !important; }
  #mlnotes-title .subtitle { display: none; }
  /* a figure and its metrics table stack instead of squeezing each other */
  .row:has(> #alg-metrics), .row:has(> #chat-metrics) { flex-wrap: wrap !important; }
  #alg-metrics, #alg-figure, #chat-metrics, #chat-figure { flex: 1 1 100% !important; min-width: 100% !important; }
}
.gradio-container { overflow-x: hidden; }
"""

# after an answer: the start of the last answer at the top of the chat box (and of the page on a phone),
# not its end (where the source list is)
SCROLL_TO_ANSWER_JS = """
() => {
  const box = document.querySelector('#chatbot');
  if (!box) return;
  const msgs = box.querySelectorAll('[data-testid="bot"]');
  const last = msgs[msgs.length - 1];
  if (!last) return;
  let sc = last.parentElement;
  while (sc && sc !== box.parentElement &&
         !(sc.scrollHeight > sc.clientHeight && /(auto|scroll)/.test(getComputedStyle(sc).overflowY))) {
    sc = sc.parentElement;
  }
  if (sc && sc !== box.parentElement) {
    sc.scrollTop += last.getBoundingClientRect().top - sc.getBoundingClientRect().top - 8;
  }
  const r = last.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight - 80) {
    window.scrollBy(0, r.top - 8);
  }
}
"""

TOGGLE_THEME_JS = """
() => {
  const dark = !document.body.classList.contains('dark');
  document.body.classList.toggle('dark', dark);
  const url = new URL(window.location.href);
  url.searchParams.set('__theme', dark ? 'dark' : 'light');
  window.history.replaceState(null, '', url);
}
"""
