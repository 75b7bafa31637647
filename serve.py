"""Start the dashboard: ``streamlit run serve.py [-- --db PATH]``.

The same app as ``app.py``, wrapped in :class:`puhui.web.SecurityHeaders` (CSP, X-Frame-Options, no sniffing,
``/_stcore/metrics`` only for the machine itself). Streamlit finds ``app`` below and serves it through uvicorn.
"""

import streamlit as st
from starlette.middleware import Middleware

from puhui.web import SecurityHeaders

app = st.App("app.py", middleware=[Middleware(SecurityHeaders)])
