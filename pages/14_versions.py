"""版本与审计 — every data version (who, when, files, scope), a diff between two versions, rollback by an
administrator with a reason, the append-only audit log and the upload log with each upload's problems."""
import streamlit as st

from pages._common import data_ops, frame, ops, recover

with frame.page("版本与审计") as snap:
    viewer = frame.viewer()
    ops.notice()
    recover.health_line(snap)  # the real-query health check (python -m etl health), one line
    rows = data_ops.versions()
    history, compare, audit, uploads = st.tabs(["版本历史与回滚", "版本比较", "审计日志", "上传记录"])
    with history:
        ops.versions_section(snap, rows)
        ops.rollback_section(rows, viewer)
    with compare:
        ops.diff_section(snap, rows)
    with audit:
        ops.audit_section()
    with uploads:
        ops.upload_log_section()
