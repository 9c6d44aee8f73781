"""账号与设置 — accounts (list, create, disable/enable, reset password), anonymous viewing, idle timeout and the
submission deadlines; every change is audited."""
import streamlit as st

from pages._common import data_ops, frame, ops

with frame.page("账号与设置") as snap:
    viewer = frame.viewer()
    ops.notice()
    accounts, settings, deadlines = st.tabs(["账号", "访问设置", "报送截止日期"])
    with accounts:
        acc = ops.accounts_section(snap)
        ops.create_account_section(snap, viewer)
        ops.manage_account_section(acc, viewer)
    with settings:
        ops.settings_section(snap, viewer)
    with deadlines:
        st.subheader("报送截止日期", anchor=False)
        ops.deadline_editor(data_ops.tracker_years(snap), viewer, key="adm_dl")
