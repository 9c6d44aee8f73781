"""数据上传: template → upload files or correct one scope in the browser → Chinese validation report → diff →
confirm → a new published version. Roles: 市人大工作人员, 县区填报员 (own county only), 管理员."""
import streamlit as st

from pages._common import data_upload, frame, upload

with frame.page("数据上传") as snap:
    account = upload.require_uploader(frame.viewer())
    upload.intro(snap, account)

    st.subheader("第一步　选择数据类型，下载模板", anchor=False)
    table = upload.choose_table(account)

    st.subheader("第二步　上传文件或在线修改", anchor=False)
    way, mode = upload.choose_way(table)
    if way == upload.FILE:
        upload.file_section(snap, account, table, mode)
    else:
        by_county = data_upload.county_expr(table) is not None and not upload.own_county(account)
        f = frame.filters(snap, county=by_county)
        year, county = upload.editor_scope(snap, account, table, f)
        upload.editor_section(snap, account, table, year, county)

    upload.result_banner()
    upload.review_section(snap, account, way)
