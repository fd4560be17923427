"""A derivation that a student steps through one line at a time, each line beside the number
it comes to for the page's current parameters (computed in core/derivation.py); and the
four derivations of Lecture 10 built on it. The step is bound to the URL (?<key>=3), so a
teacher's link reopens the derivation at that line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from core import derivation
from core.lectures import gan_theory
from core.lectures import variational as vi
from core.models.latent.vae import VAE
from ui import state
from ui.figures import PALETTE
from ui.i18n import t

PAST, CURRENT = "#6b7280", PALETTE[1]  # earlier lines gray, the current one in colour
MARKER = r"\blacktriangleright\ "


@dataclass(frozen=True)
class Step:
    latex: str  # one line: rows split by \\, the relation after the row's &
    text: str  # why it follows from the line before (markdown, may hold $math$)
    check: derivation.Check | None = None  # the number it comes to


def _paint(line: str, color: str, current: bool) -> str:
    """One line in `color`, cell by cell (a colour cannot span the & of an aligned block); the
    current line marked by a triangle, the others by an invisible one of the same width."""
    rows = []
    for i, row in enumerate(line.split(r"\\")):
        cells = [rf"{{\color{{{color}}}{{}}{cell}}}" if cell.strip() else cell for cell in row.split("&")]
        if i == 0:
            cells[0] = (rf"{{\color{{{CURRENT}}}{MARKER}}}" if current else rf"\phantom{{{MARKER}}}") + cells[0]
        rows.append("&".join(cells))
    return r"\\".join(rows)


def aligned(lines: Sequence[str], current: int) -> str:
    """Lines 0..current of a derivation as one aligned block, the earlier ones gray."""
    painted = [_paint(line, CURRENT if i == current else PAST, i == current) for i, line in enumerate(lines[: current + 1])]
    return r"\begin{aligned}" + r"\\[0.4em]".join(painted) + r"\end{aligned}"


def _move(key: str, step: int, count: int) -> None:
    st.session_state[key] = str(min(max(step, 1), count))


def _number(value: float) -> str:
    return f"{value:.4f}" if value == 0 or abs(value) >= 1e-3 else f"{value:.1e}"


def _show_check(check: derivation.Check) -> None:
    """The line's number, how it was computed, and its terms."""
    st.metric(t("derivation.value"), _number(check.value))
    st.caption(t(f"derivation.method.{check.method}", samples=check.samples, error=check.error))
    if check.parts:
        st.markdown("\n".join(f"- ${part.name}$: {_number(part.value)}" + (f" ± {part.error:.4f}" if part.error else "")
                              for part in check.parts))


def stepper(key: str, title: str, steps: Sequence[Step]) -> int:
    """Lines 1..k of a derivation, line k highlighted, and under it why it follows with the number
    it comes to beside that; k is chosen by a select slider or the previous/next buttons and kept in ?key=."""
    count = len(steps)
    with st.container(border=True):
        st.subheader(title)
        chooser, buttons = st.columns([3, 2], vertical_alignment="bottom")
        with chooser:
            current = int(state.choice(t("derivation.step"), key, [str(i) for i in range(1, count + 1)], "1",
                                       format_func=lambda i: f"{i} / {count}", widget=st.select_slider))
        with buttons, st.container(horizontal=True):
            st.button(t("derivation.previous"), key=f"{key}_previous", on_click=_move, args=(key, current - 1, count),
                      disabled=current == 1, icon=":material/arrow_back:")
            st.button(t("derivation.next"), key=f"{key}_next", on_click=_move, args=(key, current + 1, count),
                      disabled=current == count, icon=":material/arrow_forward:", type="primary")
        st.latex(aligned([step.latex for step in steps], current - 1))  # the whole width: long lines fit at 1024 px
        step = steps[current - 1]
        explanation, number = st.columns([3, 2], gap="medium")
        explanation.markdown(f"**{t('derivation.line', i=current, n=count)}** {step.text}")
        if step.check is not None:
            with number:
                _show_check(step.check)
    return current


def _steps(prefix: str, lines: Sequence[str], checks: Sequence[derivation.Check]) -> list[Step]:
    """Each line with its explanation `<prefix>.s<i>` and its check."""
    return [Step(line, t(f"{prefix}.s{i}"), check) for i, (line, check) in enumerate(zip(lines, checks, strict=True), 1)]


# --------------------------------------------------------------------------- the lecture's derivations

Q = r"q(z\mid x)"
EVIDENCE = [
    r"\ln p(x) &",
    rf"&= \mathbb{{E}}_{{{Q}}}\big[\ln p(x)\big]",
    rf"&= \mathbb{{E}}_{{{Q}}}\Big[\ln\frac{{p(x,z)}}{{p(z\mid x)}}\Big]",
    rf"&= \mathbb{{E}}_{{{Q}}}\Big[\ln\frac{{p(x,z)\,{Q}}}{{{Q}\,p(z\mid x)}}\Big]",
    rf"&= \mathbb{{E}}_{{{Q}}}\Big[\ln\frac{{p(x,z)}}{{{Q}}}\Big]"
    rf"\\&\quad+\mathbb{{E}}_{{{Q}}}\Big[\ln\frac{{{Q}}}{{p(z\mid x)}}\Big]",
    rf"&= \mathrm{{ELBO}} + \mathrm{{KL}}\big({Q}\,\|\,p(z\mid x)\big)",
]
"""ln p(x) = ELBO + KL(q(z|x) ‖ p(z|x)), as the lecture writes it."""

Q_PHI = r"q_\phi(z\mid x)"
ELBO_SPLIT = [
    rf"\mathrm{{ELBO}} &= \mathbb{{E}}_{{{Q_PHI}}}\Big[\ln\frac{{p_\theta(x,z)}}{{{Q_PHI}}}\Big]",
    rf"&= \int \ln\frac{{p_\theta(x\mid z)\,p(z)}}{{{Q_PHI}}}\,{Q_PHI}\,dz",
    r"&= \mathbb{E}_{q_\phi}\big[\ln p_\theta(x\mid z)\big]\\&\quad+\mathbb{E}_{q_\phi}\Big[\ln\frac{p(z)}"
    rf"{{{Q_PHI}}}\Big]",
    r"&= \underbrace{\mathbb{E}_{q_\phi}\big[\ln p_\theta(x\mid z)\big]}_{\text{Reconstruction Term}}\\&\quad-"
    rf"\underbrace{{\mathrm{{KL}}\big({Q_PHI}\,\|\,p(z)\big)}}_{{\text{{Prior Fitting Term}}}}",
]
"""ELBO = reconstruction − prior fitting, with p(x, z) = p(x|z) p(z)."""

DATA = r"p_{\mathrm{data}}"
DISCRIMINATOR = [
    rf"\max_D V(D,G) &= \max_D\,\mathbb{{E}}_{{x\sim {DATA}}}\big[\log D(x)\big]"
    r"\\&\qquad+\mathbb{E}_{z\sim p_z}\big[\log\big(1-D(G(z))\big)\big]",
    rf"&= \max_D \int_x \big[{DATA}(x)\log D(x)\\&\qquad+p_g(x)\log\big(1-D(x)\big)\big]\,dx",
    r"&= \int_x \max_{y\in(0,1)}\big[a\log y+b\log(1-y)\big]\,dx",
    r"&= \int_x \Big[a\log\frac{a}{a+b}+b\log\frac{b}{a+b}\Big]\,dx",
    rf"&= V(D^*_G,G),\quad D^*_G=\frac{{{DATA}}}{{{DATA}+p_g}}",
]
"""The pointwise maximization that gives D*."""

JSD = [
    rf"V(D^*_G,G) &= \mathbb{{E}}_{{{DATA}}}\Big[\log\frac{{{DATA}}}{{{DATA}+p_g}}\Big]"
    rf"\\&\quad+\mathbb{{E}}_{{p_g}}\Big[\log\frac{{p_g}}{{{DATA}+p_g}}\Big]",
    rf"&= \mathbb{{E}}_{{{DATA}}}\Big[\log\frac{{{DATA}}}{{({DATA}+p_g)/2}}\Big]"
    rf"\\&\quad+\mathbb{{E}}_{{p_g}}\Big[\log\frac{{p_g}}{{({DATA}+p_g)/2}}\Big]-\log 4",
    rf"&= -\log 4+\mathrm{{KL}}\big({DATA}\,\|\,m\big)+\mathrm{{KL}}\big(p_g\,\|\,m\big)\\&\qquad m=\tfrac12({DATA}+p_g)",
    rf"&= -\log 4+2\,\mathrm{{JSD}}\big({DATA}\,\|\,p_g\big)"
    r"\\&\qquad\mathrm{JSD}(p\,\|\,q)=\tfrac12\mathrm{KL}(p\,\|\,m)+\tfrac12\mathrm{KL}(q\,\|\,m)",
    rf"&\ge -\log 4\quad\big(=\ \Leftrightarrow\ p_g={DATA}\big)",
]
"""Putting D* back into V gives −log 4 + 2·JSD."""


def evidence(model: vi.LinearGaussian, x: float, mean: float, std: float, seed: int) -> None:
    """ln p(x) = ELBO + KL for the variational page's q = N(mean, std²)."""
    checks = derivation.evidence_lines(model, x, mean, std, seed=seed)
    stepper("evidence_step", t("variational.derivation.title"), _steps("variational.derivation", EVIDENCE, checks))


def elbo(model: VAE, image, seed: int) -> None:
    """ELBO = reconstruction − prior fitting for one image and the VAE page's checkpoint."""
    checks = derivation.elbo_lines(model, image, seed=seed)
    stepper("elbo_step", t("vae.derivation.title"), _steps("vae.derivation", ELBO_SPLIT, checks))


def discriminator(center: float, gap: float, std: float, seed: int) -> None:
    """D* by pointwise maximization, for the GAN page's generator."""
    checks = derivation.discriminator_lines(gan_theory.generator_bumps(center, gap, std), seed=seed)
    stepper("dstar_step", t("gan.derivation.discriminator.title"),
            _steps("gan.derivation.discriminator", DISCRIMINATOR, checks))


def jensen_shannon(center: float, gap: float, std: float) -> None:
    """V(D*, G) = −log 4 + 2·JSD, for the GAN page's generator."""
    checks = derivation.jsd_lines(gan_theory.generator_bumps(center, gap, std))
    stepper("jsd_step", t("gan.derivation.jsd.title"), _steps("gan.derivation.jsd", JSD, checks))
