"""数据字典: every table and column of the data contract, its checks, and upload templates to download."""
import streamlit as st

from pages._common import frame, misc

with frame.page("数据字典") as snap:
    st.markdown("数据契约中的全部数据表和列，与上传模板、校验规则出自同一份登记，保持一致。上传文件的表头可用“显示名”（中文）"
                "或“列名”（英文）。")
    name = misc.table_picker()
    if name is None:
        misc.tables_overview()
    else:
        misc.table_detail(name)
