"""Chronicle: an offline timeline and fact Q&A chatbot for news articles, with verified citations."""

from app.offline import enforce_offline

# Must run before chromadb, gradio or transformers are imported anywhere: they read these at import time.
enforce_offline()

__version__ = "0.1.0"
