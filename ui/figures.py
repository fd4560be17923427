"""Plotly figure builders shared by the pages. They take numbers and already
translated labels, and return a figure; `ui.page.show` sizes and draws it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.data import SIDE

PALETTE = ["#1f4e9c", "#d1495b", "#2a9d8f", "#e9a03b", "#7b4f9d", "#5c6b73", "#8ab17d"]
INK = "Greys"  # dark ink on light paper, like the digits


def map_panels(panels: list[dict]) -> go.Figure:
    """Maps side by side; each panel is dict(z=(64,) or 2-D, title=str, zmax=float,
    colorscale=str, colorbar=bool, mark=(row, col) to outline one cell). Hover shows values."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p["title"] for p in panels], horizontal_spacing=0.08)
    for column, panel in enumerate(panels, start=1):
        domain_end = column / len(panels)
        fig.add_trace(
            go.Heatmap(
                z=_grid(panel["z"]), zmin=panel.get("zmin", 0), zmax=panel.get("zmax", 1.0),
                colorscale=panel.get("colorscale", "Viridis"), showscale=panel.get("colorbar", True),
                colorbar=dict(thickness=10, len=0.9, x=domain_end - 0.01),
                hovertemplate="row %{y}, col %{x}: %{z:.3f}<extra></extra>",
            ),
            row=1, col=column,
        )
        if "mark" in panel:
            r, c = panel["mark"]
            fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5, line=dict(color="#d1495b", width=3),
                          row=1, col=column)
        fig.update_xaxes(visible=False, constrain="domain", row=1, col=column)
        fig.update_yaxes(visible=False, autorange="reversed", scaleanchor=f"x{column if column > 1 else ''}",
                         row=1, col=column)
    fig.update_layout(plot_bgcolor="white")
    return fig


def _grid(values) -> np.ndarray:
    """A map as a 2-D array: flat (64,) images become 8x8."""
    values = np.asarray(values, dtype=np.float64)
    return values.reshape(SIDE, SIDE) if values.ndim == 1 else values


def lines(x, series: dict[str, np.ndarray], x_title: str, y_title: str, title: str = "",
          marker: tuple[float, float, str] | None = None, log_x: bool = False, log_y: bool = False,
          hline: tuple[float, str] | None = None, modes: dict[str, str] | None = None,
          hover: dict[str, list[str]] | None = None) -> go.Figure:
    """Named line series over x, with an optional marked point and horizontal reference."""
    fig = go.Figure()
    for index, (name, y) in enumerate(series.items()):
        xs = x[name] if isinstance(x, dict) else x
        fig.add_trace(go.Scatter(
            x=xs, y=y, name=name, mode=(modes or {}).get(name, "lines"),
            line=dict(color=PALETTE[index % len(PALETTE)], width=2.5),
            text=(hover or {}).get(name), hovertemplate="%{text}<extra></extra>" if hover and name in hover else None,
        ))
    if hline is not None:
        fig.add_hline(y=hline[0], line_dash="dash", line_color="#444", annotation_text=hline[1])
    if marker is not None:
        fig.add_trace(go.Scatter(x=[marker[0]], y=[marker[1]], name=marker[2], mode="markers",
                                 marker=dict(size=15, color="#111", symbol="diamond", line=dict(color="white", width=2))))
    fig.update_layout(title=title, xaxis_title=x_title, yaxis_title=y_title, hovermode="closest",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    if log_x:
        fig.update_xaxes(type="log")
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def grouped_bars(categories, series: dict[str, np.ndarray], x_title: str, y_title: str, title: str = "") -> go.Figure:
    """Bars of several named series side by side for each category."""
    fig = go.Figure([go.Bar(x=categories, y=y, name=name, marker_color=PALETTE[i % len(PALETTE)])
                     for i, (name, y) in enumerate(series.items())])
    fig.update_layout(barmode="group", title=title, xaxis_title=x_title, yaxis_title=y_title,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    fig.update_xaxes(type="category")
    return fig


def sampling_animation(sample: np.ndarray, p_one: np.ndarray, titles: tuple[str, str], play: str) -> go.Figure:
    """Pixel-by-pixel drawing of one sample, as Plotly frames played in the browser.

    Frame t shows the first t pixels drawn (the rest grey) and p(x_i = 1 | x_<i) for
    each drawn pixel; `sample` and `p_one` are (64,) in raster order."""
    from plotly.subplots import make_subplots

    def frame_z(t: int) -> list[np.ndarray]:
        drawn = np.arange(sample.size) < t
        return [np.where(drawn, sample, 0.5).reshape(SIDE, SIDE), np.where(drawn, p_one, np.nan).reshape(SIDE, SIDE)]

    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.1)
    image, probs = frame_z(sample.size)  # show the finished sample; play draws it from the start
    fig.add_trace(go.Heatmap(z=image, zmin=0, zmax=1, colorscale=INK, showscale=False, hoverinfo="skip"), row=1, col=1)
    fig.add_trace(go.Heatmap(z=probs, zmin=0, zmax=1, colorscale="Viridis", colorbar=dict(thickness=12),
                             hovertemplate="p = %{z:.2f}<extra></extra>"), row=1, col=2)
    for column in (1, 2):
        fig.update_xaxes(visible=False, constrain="domain", row=1, col=column)
        fig.update_yaxes(visible=False, autorange="reversed", scaleanchor=f"x{column if column > 1 else ''}",
                         row=1, col=column)
    # a frame carries only the new z of each trace; plotly keeps the rest of the trace
    fig.frames = [dict(name=str(t), traces=[0, 1], data=[dict(type="heatmap", z=z) for z in frame_z(t)])
                  for t in range(sample.size + 1)]
    fig.update_layout(
        plot_bgcolor="white",
        updatemenus=[dict(type="buttons", x=0, y=-0.08, xanchor="left", showactive=False, buttons=[dict(
            label=f"▶ {play}", method="animate",
            args=[None, dict(frame=dict(duration=90, redraw=True), fromcurrent=False, transition=dict(duration=0))],
        )])],
        sliders=[dict(x=0.18, y=-0.02, len=0.82, active=sample.size, currentvalue=dict(prefix="i = "), steps=[
            dict(label=str(t), method="animate", args=[[str(t)], dict(mode="immediate", frame=dict(duration=0))])
            for t in range(sample.size + 1)
        ])],
    )
    return fig


def histogram_overlay(series: dict[str, np.ndarray], x_title: str,
                      marker: tuple[float, str] | None = None) -> go.Figure:
    """Overlaid histograms of named samples, with an optional marked value."""
    fig = go.Figure([go.Histogram(x=values, name=name, opacity=0.6, nbinsx=40, marker_color=PALETTE[i % len(PALETTE)])
                     for i, (name, values) in enumerate(series.items())])
    if marker is not None:
        fig.add_vline(x=marker[0], line_color="#111", line_width=3, annotation_text=marker[1])
    fig.update_layout(barmode="overlay", xaxis_title=x_title, yaxis_title="#",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig
