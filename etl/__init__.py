"""ETL library for the 县乡人大建设监督看板: contract, reading, validation, publishing, marts.

This package never imports streamlit; the upload page and the CLI call the same functions.
"""
