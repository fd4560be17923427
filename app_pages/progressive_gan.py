"""Progressive GAN: the digits upsampled to 16x16, a generator grown 4x4 → 8x8 → 16x16 with
the fade-in of each new block; a stage selector and an α slider blend exactly as training
did; samples at every stage; time and quality against the same network trained at 16x16
from the start."""

import numpy as np
import streamlit as st

from core.models.adversarial import progan
from ui import figures, loaders, page, pictures, state
from ui.i18n import t

STAGES = [str(side) for side in progan.RESOLUTIONS]
PICTURE_SIDE = 96  # every resolution is drawn this many screen pixels wide
SAMPLES = 8

page.header("progressive_gan")
page.prose("progressive_gan.prose")


def picture(images: np.ndarray, columns: int, width: int = PICTURE_SIDE) -> np.ndarray:
    """Images of any resolution drawn the same size, pixels kept sharp."""
    side = int(round(np.sqrt(images.shape[-1])))
    return pictures.digit_picture(images, columns=columns, cell=max(width // side, 1), gap=8)


def stage_label(side: str) -> str:
    return f"{side}×{side}"


@page.section()
def fade_in():
    page.heading("progressive_gan.fade.title")
    st.latex(r"\begin{aligned}G_\alpha(z)=\ &(1-\alpha)\,\mathrm{up}\big(\mathrm{toImage}_{r/2}(h_{r/2})\big)\\"
             r"&+\alpha\,\mathrm{toImage}_{r}\big(\mathrm{block}_r(\mathrm{up}(h_{r/2}))\big),\qquad \alpha:0\to1"
             r"\end{aligned}")
    fade_in_demo(loaders.trained("progan"))


@st.fragment
def fade_in_demo(model):
    """The stage and α: the only part moving them reruns."""
    controls, plot = page.controls_and_plot()
    with controls:
        stage = state.choice(t("progressive_gan.fade.stage"), "stage", STAGES, STAGES[-1],
                             widget=st.segmented_control, format_func=stage_label)
        alpha = state.slider("α", "alpha", 0.0, 1.0, 0.5, step=0.05, help=t("progressive_gan.fade.alpha_help"),
                             disabled=stage == STAGES[0])
        if stage == STAGES[0]:
            st.caption(t("progressive_gan.fade.first_stage"))
    resolution = int(stage)
    with plot:
        if resolution == progan.RESOLUTIONS[0]:
            st.image(picture(model.sample(SAMPLES, state.seed(), resolution), SAMPLES // 2), width="stretch",
                     caption=t("progressive_gan.fade.first_caption"))
            return
        parts = model.parts(SAMPLES // 2, state.seed(), resolution, alpha)
        columns = st.columns(3)
        for column, part in zip(columns, ("previous", "new", "blend")):
            column.image(picture(parts[part], 2, width=64), width="stretch",
                         caption=t(f"progressive_gan.fade.{part}", side=resolution, half=resolution // 2, alpha=alpha))
        st.caption(t("progressive_gan.fade.caption"))


@st.fragment
@page.section()
def stages():
    page.heading("progressive_gan.stages.title")
    model, direct = loaders.trained("progan"), loaders.trained("progan_direct")
    rows = {stage_label(side): model.sample(SAMPLES, state.seed(), side) for side in progan.RESOLUTIONS}
    rows[t("progressive_gan.stages.direct")] = direct.sample(SAMPLES, state.seed(), progan.RESOLUTIONS[-1])
    for label, images in rows.items():
        name, row = st.columns([1, 6], vertical_alignment="center")
        name.markdown(f"**{label}**")
        row.image(picture(images, SAMPLES), width="stretch")
    page.note(t("progressive_gan.stages.caption"))


@page.section()
def quality():
    page.heading("progressive_gan.quality.title")
    grown, direct = (loaders.checkpoint_card(name)["metrics"] for name in ("progan", "progan_direct"))
    labels = [stage_label(s) for s in STAGES] + [t("progressive_gan.stages.direct")]
    fig = figures.grouped_bars(labels, {
        t("progressive_gan.quality.model"): np.array([grown[f"fd_{s}"] for s in STAGES] + [direct["fd_16"]]),
        t("progressive_gan.quality.real"): np.array([grown[f"fd_real_{s}"] for s in STAGES] + [direct["fd_real_16"]]),
    }, t("progressive_gan.quality.x"), t("progressive_gan.quality.y"))
    left, right = st.columns([3, 2], gap="large")
    with left:
        page.show(fig, height=340)
    with right:
        grown_seconds = sum(grown[f"seconds_{s}"] for s in STAGES)
        st.metric(t("progressive_gan.quality.time_grown"), f"{grown_seconds:.0f} s",
                  help=" · ".join(f"{stage_label(s)}: {grown[f'seconds_{s}']:.0f} s" for s in STAGES))
        st.metric(t("progressive_gan.quality.time_direct"), f"{direct['seconds_16']:.0f} s")
        st.metric(t("progressive_gan.quality.fd_16"), f"{grown['fd_16']:.1f} / {direct['fd_16']:.1f}",
                  help=t("progressive_gan.quality.fd_help", real=grown["fd_real_16"]))
    page.note(t("progressive_gan.quality.caption"))
    config = loaders.checkpoint_card("progan")["config"]
    page.note(t("progressive_gan.quality.stages_note", floor4=grown["fd_real_4"], fd8=grown["fd_8"],
                 fd16=grown["fd_16"], epochs=config["fade_epochs"] + config["stabilize_epochs"],
                 ratios=" · ".join(f"{stage_label(s)} {grown[f'fd_{s}'] / grown[f'fd_real_{s}']:.1f}×"
                                   for s in STAGES)))


fade_in()
stages()
quality()
page.code_behind(progan.ProGAN.parts)
