"""Helpers for the Streamlit app that hold no Streamlit state (testable without a browser)."""
