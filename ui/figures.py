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


def gap_bars(log_evidence: float, elbo: float, kl: float, labels: dict[str, str]) -> go.Figure:
    """A waterfall: the ELBO, then KL(q‖p(z|x)) added on top of it, which lands exactly on
    ln p(x) (labels: evidence, elbo, kl, value)."""
    names = [labels["elbo"], labels["kl"], labels["evidence"]]
    fig = go.Figure(go.Bar(
        x=names, y=[elbo, kl, log_evidence], base=[0.0, elbo, 0.0], marker_color=[PALETTE[2], PALETTE[1], PALETTE[0]],
        text=[f"{elbo:.3f}", f"+{kl:.3f}", f"{log_evidence:.3f}"], textposition="outside", hoverinfo="skip",
    ))
    for level, (left, right) in ((elbo, (0, 1)), (log_evidence, (1, 2))):  # connectors between the bars
        fig.add_shape(type="line", x0=left - 0.4, x1=right + 0.4, y0=level, y1=level, line=dict(color="#444", dash="dot"))
    low = min(elbo, log_evidence, 0.0)
    fig.update_layout(yaxis_title=labels["value"], showlegend=False, yaxis_range=[1.2 * low - 0.4, 0.5])
    return fig


def ellipse(mean, std, scale: float = 1.0, points: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """The outline of an axis-aligned Gaussian at `scale` standard deviations."""
    angle = np.linspace(0, 2 * np.pi, points)
    return mean[0] + scale * std[0] * np.cos(angle), mean[1] + scale * std[1] * np.sin(angle)


def density_with_gaussian(axis: np.ndarray, density: np.ndarray, mean, std, path: np.ndarray | None,
                          labels: dict[str, str]) -> go.Figure:
    """A 2-D density as filled contours, a diagonal Gaussian q as its 1σ and 2σ ellipses and
    the path its mean took while fitting (labels: target, q, path, start)."""
    fig = go.Figure(go.Contour(x=axis, y=axis, z=density, colorscale=[[0, "white"], [1, PALETTE[0]]],
                               contours_coloring="heatmap", showscale=False, ncontours=14,
                               line_width=0.5, name=labels["target"], hoverinfo="skip"))
    for scale, dash in ((1.0, "solid"), (2.0, "dot")):
        x, y = ellipse(mean, std, scale)
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color=PALETTE[1], width=3, dash=dash),
                                 name=f"{labels['q']} ({scale:.0f}σ)"))
    if path is not None and len(path):
        fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", line=dict(color=PALETTE[3], width=2),
                                 name=labels["path"]))
        fig.add_trace(go.Scatter(x=path[:1, 0], y=path[:1, 1], mode="markers", name=labels["start"],
                                 marker=dict(size=11, color=PALETTE[3], symbol="x")))
    fig.update_xaxes(title="z₁", range=[axis[0], axis[-1]])
    fig.update_yaxes(title="z₂", range=[axis[0], axis[-1]], scaleanchor="x")
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), plot_bgcolor="white")
    return fig
