"""Deployment: nginx in front of several Streamlit replicas sharing one data directory (python -m deploy)."""
