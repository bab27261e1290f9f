"""The web UI, split by layer (one rule for the whole package), each layer importing only the ones below it:

    app.py     layout and event wiring: one function per tab, no logic (it imports gradio; the rest does not)
    views.py   what each event does, over the Chronicle facade: ``Views`` (chat, who said what, timeline,
               articles) and ``TestSetViews`` (judging answers in the chat, the Test set tab); no HTML
    render.py  HTML and SVG from records: pure functions, every article text escaped
    tables.py  rows, pandas frames and dropdown choices for Gradio's tables and plots: pure functions
    examples.py  the chat's example questions from the archive's most quoted names: a pure function

A tab is a section (``# --- timeline ---``) in each layer, not a module. Rejected: one module per tab (handlers and
HTML together, as the Test set tab had): the escaping rules and the page's one Chronicle would then be repeated or
imported sideways between tabs, and which file draws a given piece of HTML would depend on the tab.
"""
