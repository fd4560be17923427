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
          hover: dict[str, list[str]] | None = None, y_top: float | None = None) -> go.Figure:
    """Named line series over x, with an optional marked point and horizontal reference. A log
    y axis stops at `y_top` if given: a curve that grows far above the others runs off the top
    instead of flattening them all against the bottom."""
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
        fig.update_xaxes(**log_axis(x.values() if isinstance(x, dict) else [x]))
    if log_y:
        fig.update_yaxes(**log_axis(series.values(), top=y_top))
    return fig


def log_axis(arrays, top: float | None = None) -> dict:
    """A log axis for the values of `arrays`, its labels always powers written 10, 10², 10³
    (Plotly's default mixes "1T" and "10¹⁵" on one axis); over 1.5 to 8 decades labelled at
    every power of ten only (Plotly's own 2s and 5s between them crowd a short axis into
    unreadable digits). With `top` the axis spans the smallest value to `top`, and values
    above it are off the chart."""
    values = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays])
    values = values[np.isfinite(values) & (values > 0) & (values <= (np.inf if top is None else top))]
    axis = dict(type="log", exponentformat="power")
    if not values.size:
        return axis
    low, high = np.log10(values.min()), np.log10(values.max() if top is None else top)
    if 1.5 <= high - low <= 8:
        axis["dtick"] = 1
    if top is not None:
        axis["range"] = [low - 0.03 * (high - low), high]
    return axis


PROBABILITY_TICKS = [0, 0.25, 0.5, 0.75, 1]


def add_probability_curve(fig: go.Figure, x, y, name: str) -> go.Figure:
    """A curve of probabilities drawn dashed over `fig` on a right-hand axis from 0 to 1, ticked
    at PROBABILITY_TICKS (left to itself, an overlaying axis takes ticks at the left axis's
    grid lines: 0.051, 0.281, ...)."""
    fig.add_scatter(x=x, y=y, name=name, yaxis="y2", line=dict(color=PALETTE[2], width=3, dash="dash"))
    fig.update_layout(yaxis2=dict(title=name, overlaying="y", side="right", range=[0, 1.02], showgrid=False,
                                  tickmode="array", tickvals=PROBABILITY_TICKS))
    return fig


def grouped_bars(categories, series: dict[str, np.ndarray], x_title: str, y_title: str, title: str = "") -> go.Figure:
    """Bars of several named series side by side for each category."""
    fig = go.Figure([go.Bar(x=categories, y=y, name=name, marker_color=PALETTE[i % len(PALETTE)])
                     for i, (name, y) in enumerate(series.items())])
    fig.update_layout(barmode="group", title=title, xaxis_title=x_title, yaxis_title=y_title,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    fig.update_xaxes(type="category")
    return fig


def sampling_animation(sample: np.ndarray, p_one: np.ndarray, titles: tuple[str, str], play: str,
                       counter: str) -> go.Figure:
    """Pixel-by-pixel drawing of one sample, as Plotly frames played in the browser.

    Frame t shows the first t pixels drawn (the rest grey) and p(x_i = 1 | x_<i) for
    each drawn pixel; `sample` and `p_one` are (64,) in raster order. The slider counts
    drawn pixels, 0 to 64, and says so: "`counter`: t / 64"."""
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
        sliders=[dict(x=0.18, y=-0.02, len=0.82, active=sample.size,
                      currentvalue=dict(prefix=f"{counter}: ", suffix=f" / {sample.size}"), steps=[
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


DIGIT_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                "#17becf"]  # one colour per digit class 0..9


def latent_scatter(points: np.ndarray, classes: np.ndarray, labels: dict[str, str],
                   background: np.ndarray | None = None, heat: tuple[np.ndarray, np.ndarray] | None = None,
                   limit: float | None = None) -> go.Figure:
    """A 2-D latent space: encoded digits coloured by class (one trace, a colour bar of the ten
    classes), optionally over grey samples of a prior (`background`) and a heatmap (axis,
    values on axis × axis) such as a discriminator's output (labels: digit, background, heat, z1, z2)."""
    fig = go.Figure()
    if heat is not None:
        axis, values = heat
        fig.add_trace(go.Heatmap(x=axis, y=axis, z=values, zmin=0, zmax=1, colorscale="RdBu", opacity=0.55,
                                 colorbar=dict(title=labels["heat"], thickness=10, len=0.45, y=0.25),
                                 hovertemplate="D(z) = %{z:.2f}<extra></extra>"))
    if background is not None:
        fig.add_trace(go.Scatter(x=background[:, 0], y=background[:, 1], mode="markers", name=labels["background"],
                                 marker=dict(size=4, color="rgba(60,60,60,0.35)"), hoverinfo="skip"))
    steps = [(edge, color) for digit, color in enumerate(DIGIT_COLORS) for edge in (digit / 10, (digit + 1) / 10)]
    fig.add_trace(go.Scatter(
        x=points[:, 0], y=points[:, 1], mode="markers", name=labels["digit"].format(digit="0–9"),
        text=[labels["digit"].format(digit=int(c)) for c in classes], hovertemplate="%{text}<extra></extra>",
        marker=dict(size=7, color=classes, cmin=-0.5, cmax=9.5, colorscale=steps, line=dict(color="white", width=0.5),
                    colorbar=dict(tickvals=list(range(10)), thickness=10, len=0.45 if heat is not None else 0.9,
                                  y=0.75 if heat is not None else 0.5)),
    ))
    fig.update_xaxes(title=labels["z1"], range=[-limit, limit] if limit else None, zeroline=False)
    fig.update_yaxes(title=labels["z2"], range=[-limit, limit] if limit else None, scaleanchor="x", zeroline=False)
    fig.update_layout(plot_bgcolor="white", showlegend=background is not None,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def landscape(x: np.ndarray, y: np.ndarray, values: np.ndarray, current: tuple[float, float],
              labels: dict[str, str]) -> go.Figure:
    """A surface over two sliders as a heatmap (values[i, j] at y[i], x[j]), with the current
    setting and the lowest point marked (labels: x, y, value, current, best)."""
    best = np.unravel_index(np.argmin(values), values.shape)
    hover = f"{labels['x']} %{{x:.2f}}, {labels['y']} %{{y:.2f}}: %{{z:.4f}}<extra></extra>"
    fig = go.Figure(go.Heatmap(x=x, y=y, z=values, colorscale="Viridis", hovertemplate=hover,
                               colorbar=dict(title=labels["value"], thickness=10)))
    fig.add_trace(go.Scatter(x=[x[best[1]]], y=[y[best[0]]], mode="markers", name=labels["best"],
                             marker=dict(size=14, color="white", symbol="star", line=dict(color="#111", width=1))))
    fig.add_trace(go.Scatter(x=[current[0]], y=[current[1]], mode="markers", name=labels["current"],
                             marker=dict(size=13, color="#111", symbol="diamond", line=dict(color="white", width=2))))
    fig.update_layout(xaxis_title=labels["x"], yaxis_title=labels["y"],
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def confusion(matrix: np.ndarray, x_title: str, y_title: str, x_labels=None, y_labels=None) -> go.Figure:
    """A count matrix as an annotated heatmap: rows y_labels, columns x_labels."""
    matrix = np.asarray(matrix)
    x_labels = [str(v) for v in (x_labels if x_labels is not None else range(matrix.shape[1]))]
    y_labels = [str(v) for v in (y_labels if y_labels is not None else range(matrix.shape[0]))]
    fig = go.Figure(go.Heatmap(z=matrix, x=x_labels, y=y_labels, colorscale="Blues", showscale=False,
                               text=matrix, texttemplate="%{text}", hovertemplate="%{y} → %{x}: %{z}<extra></extra>"))
    fig.update_xaxes(title=x_title, type="category", side="top")
    fig.update_yaxes(title=y_title, type="category", autorange="reversed")
    return fig


def gan_lab_view(frame, views: set[str], labels: dict[str, str], arrow_scale: float = 0.15) -> go.Figure:
    """The 2-D GAN lab at one moment (a core.gan_lab.lab.LabFrame): the discriminator's heatmap,
    the generator's manifold, real and generated points and the generator's gradient arrows,
    each drawn when its name is in `views` (labels: heatmap, manifold, real, fake, arrows)."""
    fig = go.Figure()
    if "heatmap" in views:
        fig.add_trace(go.Heatmap(x=frame.heatmap_x, y=frame.heatmap_y, z=frame.heatmap, colorscale="RdBu", zmid=0.5,
                                 opacity=0.6, colorbar=dict(title=labels["heatmap"], thickness=10, len=0.7),
                                 hovertemplate="D = %{z:.2f}<extra></extra>"))
    if "manifold" in views:
        lines = np.concatenate([np.vstack([line, [np.nan, np.nan]]) for line in frame.manifold])
        fig.add_trace(go.Scatter(x=lines[:, 0], y=lines[:, 1], mode="lines", name=labels["manifold"],
                                 line=dict(color="rgba(123,79,157,0.45)", width=1), hoverinfo="skip"))
    if "real" in views:
        fig.add_trace(go.Scatter(x=frame.real[:, 0], y=frame.real[:, 1], mode="markers", name=labels["real"],
                                 marker=dict(size=4, color=PALETTE[2])))
    if "fake" in views:
        fig.add_trace(go.Scatter(x=frame.fake[:, 0], y=frame.fake[:, 1], mode="markers", name=labels["fake"],
                                 marker=dict(size=4, color=PALETTE[4])))
    if "arrows" in views:
        norms = np.linalg.norm(frame.arrows, axis=1, keepdims=True)
        unit = frame.arrows / np.maximum(norms.max(), 1e-12)  # the longest arrow gets length arrow_scale·box
        ends = frame.fake + unit * arrow_scale * (frame.box[1] - frame.box[0])
        segments = np.stack([frame.fake, ends, np.full_like(ends, np.nan)], axis=1).reshape(-1, 2)
        fig.add_trace(go.Scatter(x=segments[:, 0], y=segments[:, 1], mode="lines", name=labels["arrows"],
                                 line=dict(color="#333", width=1), hoverinfo="skip"))
    fig.update_xaxes(range=frame.box[:2], zeroline=False)
    fig.update_yaxes(range=frame.box[2:], scaleanchor="x", zeroline=False)
    fig.update_layout(plot_bgcolor="white", legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      uirevision="lab")  # keep the user's zoom from frame to frame
    return fig


def gan_lab_curves(losses: dict[str, np.ndarray], history: list[dict], labels: dict[str, str],
                   points: int = 400) -> go.Figure:
    """Loss curves (thinned to about `points` per curve) and the recorded measures (KL, JS,
    modes covered) against the iteration, in two panels (labels: d_loss, g_loss, kl, js,
    modes, iteration, loss, measure)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        specs=[[{}, {"secondary_y": True}]])
    every = max(1, len(losses["iteration"]) // points)
    for index, key in enumerate(("d_loss", "g_loss")):
        fig.add_trace(go.Scatter(x=losses["iteration"][::every], y=losses[key][::every], name=labels[key],
                                 line=dict(color=PALETTE[index], width=1.5)), row=1, col=1)
    iterations = [entry["iteration"] for entry in history]
    for index, key in enumerate(("kl", "js")):
        fig.add_trace(go.Scatter(x=iterations, y=[entry[key] for entry in history], name=labels[key],
                                 line=dict(color=PALETTE[index + 2], width=2)), row=1, col=2)
    if history and "modes" in history[0]:
        fig.add_trace(go.Scatter(x=iterations, y=[entry["modes"] for entry in history], name=labels["modes"],
                                 line=dict(color=PALETTE[4], width=2, dash="dot")), row=1, col=2, secondary_y=True)
    fig.update_xaxes(title=labels["iteration"])
    fig.update_yaxes(title=labels["loss"], row=1, col=1)
    fig.update_yaxes(title=labels["measure"], row=1, col=2, secondary_y=False)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), uirevision="lab")
    return fig


def flow_stage(density: tuple[np.ndarray, np.ndarray, np.ndarray], points: np.ndarray, lines: np.ndarray,
               box: tuple[float, float, float, float], labels: dict[str, str]) -> go.Figure:
    """One stage of a 2-D flow in two panels over the same square box (x0, x1, y0, y1): left, its
    density as a heatmap (xs, ys, values with row i at ys[i]) under the points; right, the lines of
    a grid carried to this stage (one array of polylines split by NaN rows) under the same points
    (labels: points, colorbar). The page writes the panels' titles above them: they wrap there."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.06)
    xs, ys, values = density
    fig.add_trace(go.Heatmap(x=xs, y=ys, z=values, colorscale="Viridis", zmin=0,
                             colorbar=dict(title=labels["colorbar"], thickness=10, orientation="h", len=0.45,
                                           x=0.22, xanchor="center", y=-0.08, yanchor="top"),
                             hovertemplate="x = %{x:.2f}, y = %{y:.2f}: p = %{z:.3f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=lines[:, 0], y=lines[:, 1], mode="lines", hoverinfo="skip", showlegend=False,
                             line=dict(color="rgba(31,78,156,0.55)", width=1)), row=1, col=2)
    for column, color in ((1, "rgba(255,255,255,0.55)"), (2, PALETTE[1])):
        fig.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", name=labels["points"],
                                 hoverinfo="skip", showlegend=False, marker=dict(size=3, color=color)), row=1, col=column)
        fig.update_xaxes(range=list(box[:2]), zeroline=False, constrain="domain", row=1, col=column)
        fig.update_yaxes(range=list(box[2:]), zeroline=False, constrain="domain", row=1, col=column,
                         scaleanchor=f"x{column if column > 1 else ''}")
    fig.update_layout(plot_bgcolor="white")
    return fig


# ----------------------------------------------------------------------------
# Diffusion models (app_pages/diffusion.py)


def denoising_animation(frames: np.ndarray, steps, play: str, counter: str) -> go.Figure:
    """Digits denoised step by step, as Plotly frames played in the browser: frames (K, H, W) in
    [0, 1] (ink 1 dark, NaN for the gaps between digits), one per kept step, labelled by steps (K,)
    ("`counter` = t"). The last frame (the samples) is shown first; play runs from the noise."""
    steps = [int(s) for s in steps]
    fig = go.Figure(go.Heatmap(z=frames[-1], zmin=0, zmax=1, colorscale=INK, showscale=False, hoverinfo="skip"))
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig.frames = [dict(name=str(k), traces=[0], data=[dict(type="heatmap", z=frame)]) for k, frame in enumerate(frames)]
    fig.update_layout(
        plot_bgcolor="white",
        updatemenus=[dict(type="buttons", x=0, y=-0.08, xanchor="left", showactive=False, buttons=[dict(
            label=f"▶ {play}", method="animate",
            args=[None, dict(frame=dict(duration=120, redraw=True), fromcurrent=False, transition=dict(duration=0))],
        )])],
        sliders=[dict(x=0.18, y=-0.02, len=0.82, active=len(frames) - 1, currentvalue=dict(prefix=f"{counter} = "),
                      steps=[dict(label=str(step), method="animate",
                                  args=[[str(k)], dict(mode="immediate", frame=dict(duration=0))])
                             for k, step in enumerate(steps)])],
    )
    return fig


def diffusion_plane(box: tuple[float, float, float, float], labels: dict[str, str], data: np.ndarray,
                    points: np.ndarray | None = None, field: tuple[np.ndarray, np.ndarray] | None = None,
                    paths: np.ndarray | None = None, arrow_length: float = 0.06) -> go.Figure:
    """The 2-D diffusion lab in a square box (x0, x1, y0, y1): the data (grey), points such as draws
    of q(x_t | x_0) or samples, a vector field (grid points, vectors) drawn as arrows whose length
    grows with the vector's norm up to arrow_length of the box (the 90th percentile and above get the
    full length), and paths (K, N, 2) of N points over K states, each a line ending in a dot.
    labels: data, points, field, paths."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=data[:, 0], y=data[:, 1], mode="markers", name=labels["data"], hoverinfo="skip",
                             marker=dict(size=3, color="rgba(92,107,115,0.35)")))
    if paths is not None:
        lines = np.concatenate([np.vstack([paths[:, i], [np.nan, np.nan]]) for i in range(paths.shape[1])])
        fig.add_trace(go.Scatter(x=lines[:, 0], y=lines[:, 1], mode="lines", name=labels["paths"], hoverinfo="skip",
                                 line=dict(color="rgba(123,79,157,0.45)", width=1)))
        fig.add_trace(go.Scatter(x=paths[-1, :, 0], y=paths[-1, :, 1], mode="markers", showlegend=False,
                                 hoverinfo="skip", marker=dict(size=5, color=PALETTE[4])))
    if points is not None:
        fig.add_trace(go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", name=labels["points"],
                                 hoverinfo="skip", marker=dict(size=4, color=PALETTE[1], opacity=0.6)))
    if field is not None:
        grid, vectors = field
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        scale = max(float(np.quantile(norms, 0.9)), 1e-12)
        unit = vectors / np.maximum(norms, 1e-12) * np.minimum(norms / scale, 1.0)
        ends = grid + unit * arrow_length * (box[1] - box[0])
        segments = np.stack([grid, ends, np.full_like(ends, np.nan)], axis=1).reshape(-1, 2)
        fig.add_trace(go.Scatter(x=segments[:, 0], y=segments[:, 1], mode="lines", name=labels["field"],
                                 hoverinfo="skip", line=dict(color="#333", width=1.2)))
        fig.add_trace(go.Scatter(x=ends[:, 0], y=ends[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker=dict(size=3, color="#333")))
    fig.update_xaxes(range=list(box[:2]), zeroline=False, constrain="domain")
    fig.update_yaxes(range=list(box[2:]), zeroline=False, scaleanchor="x", constrain="domain")
    fig.update_layout(plot_bgcolor="white", legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def digit_grid(images: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """(N, side²) images as one (rows, columns) array of pixels with NaN gaps between them, for a heatmap."""
    side = int(round(np.sqrt(images.shape[-1])))
    rows = -(-len(images) // columns)
    grid = np.full((rows * (side + gap) - gap, columns * (side + gap) - gap), np.nan)
    for index, image in enumerate(images):
        r, c = divmod(index, columns)
        top, left = r * (side + gap), c * (side + gap)
        grid[top: top + side, left: left + side] = image.reshape(side, side)
    return grid
