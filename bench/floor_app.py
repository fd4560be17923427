"""The floor app of the benchmark: one slider, one Plotly line and one 8×8 image that both depend
on it, laid out as the app's pages are. Its slider latency is what Streamlit itself costs."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
st.write("# floor")  # the h1 that tests/e2e/conftest.py's wait_rendered waits for
frequency = st.slider("Frequency", 1, 20, 5)  # bench/__main__.py FLOOR_LABEL
x = np.linspace(0, 1, 200)
figure = go.Figure(go.Scatter(x=x, y=np.sin(2 * np.pi * frequency * x), mode="lines"))
figure.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=10))
st.plotly_chart(figure, width="stretch", config={"displaylogo": False})
st.image(np.sin(frequency * np.add.outer(np.arange(8), np.arange(8)) / 8) / 2 + 0.5, width=160)
