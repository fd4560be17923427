"""DCGAN & InfoGAN: a convolutional generator trained on the digits, samples beside their
nearest training digit, latent walks; InfoGAN's codes, and whether its categorical code
found the digit classes without labels. Every table shows held-out real digits and a
memorizer beside the models."""

import numpy as np
import streamlit as st

from core import metrics
from core.models.adversarial import gan as gan_module
from ui import figures, loaders, page, pictures, state
from ui.i18n import t

GANS = ["dcgan", "gan_mlp"]
# the table's columns and their formats: one format per kind of number
METRICS = {"fd": "%.1f", "inception_score": "%.2f", "precision": "%.2f", "recall": "%.2f", "nn_median": "%.2f",
           "copy_rate": "%.1f%%"}
ROW_LABELS = {"diffusion": "diffusion.models.diffusion"}  # rows of models taught on another page: that page's label

page.header("dcgan_infogan")
page.prose("dcgan_infogan.prose")


def with_nearest(images: np.ndarray) -> np.ndarray:
    """Each image followed by its nearest training digit (pixel space): pairs for a picture."""
    train = loaders.gray_digits("train") / 16
    index, _ = metrics.nearest_training(images, train)
    return np.stack([images, train[index]], axis=1).reshape(-1, images.shape[1])


@st.fragment
@page.section()
def samples():
    page.heading("dcgan_infogan.samples.title")
    st.latex(r"z\ \xrightarrow{\ \text{ConvTranspose}+\text{BN}+\text{ReLU}\ }\ 2\times2"
             r"\ \to\ 4\times4\ \to\ 8\times8\ \xrightarrow{\ \text{sigmoid}\ }\ [0,1]^{64}")
    controls, plot = page.controls_and_plot()
    with controls:
        name = state.choice(t("dcgan_infogan.samples.model"), "model", GANS, "dcgan", widget=st.segmented_control,
                            format_func=lambda n: t(f"dcgan_infogan.models.{n}"))
        count = state.slider(t("dcgan_infogan.samples.count"), "count", 4, 32, 16, step=4)
        st.caption(t("dcgan_infogan.samples.seed_hint"))
    model = loaders.trained(name)
    with plot:
        generated = model.sample(count, state.seed())
        st.image(pictures.digit_picture(with_nearest(generated), columns=8), width="stretch",
                 caption=t("dcgan_infogan.samples.caption"))
    page.heading("dcgan_infogan.walk.title", level=3)
    controls, plot = page.controls_and_plot()
    with controls:
        start = state.number(t("dcgan_infogan.walk.start"), "walk_start", 0, 9999, 1)
        end = state.number(t("dcgan_infogan.walk.end"), "walk_end", 0, 9999, 2)
        path = state.choice(t("dcgan_infogan.walk.path"), "walk", ["linear", "spherical"], "spherical",
                            format_func=lambda p: t(f"dcgan_infogan.walk.{p}"), widget=st.segmented_control)
        st.latex(r"\begin{aligned}&\mathrm{slerp}(z_0,z_1;t)\\&=\frac{\sin((1-t)\Omega)}{\sin\Omega}z_0"
                 r"\\&\quad+\frac{\sin(t\Omega)}{\sin\Omega}z_1\end{aligned}")
    with plot:
        walk = gan_module.interpolate(model.noise_of(start), model.noise_of(end), steps=10, spherical=path == "spherical")
        st.image(pictures.digit_picture(model.generate_numpy(walk), columns=10), width="stretch",
                 caption=t("dcgan_infogan.walk.caption"))
        norms = np.linalg.norm(walk, axis=1)
        st.caption(t("dcgan_infogan.walk.norms", low=norms.min(), high=norms.max()))


@page.section()
def quality_table():
    page.heading("dcgan_infogan.table.title")
    rows = loaders.quality_rows()
    percent = {"copy_rate": 100}  # shown as a percentage
    st.dataframe([{t("dcgan_infogan.table.model"): t(ROW_LABELS.get(key, f"dcgan_infogan.rows.{key}")),
                   **{t(f"dcgan_infogan.table.{m}"): row[m] * percent.get(m, 1) for m in METRICS}}
                  for key, row in rows.items()], hide_index=True, width="stretch",
                 column_config={t(f"dcgan_infogan.table.{m}"): st.column_config.NumberColumn(
                     format=f, help=t(f"dcgan_infogan.table.{m}_help")) for m, f in METRICS.items()})
    page.note(t("dcgan_infogan.table.caption",
                 accuracy=loaders.checkpoint_card("classifier")["metrics"]["test_accuracy"]))


@st.fragment
@page.section()
def infogan():
    page.heading("dcgan_infogan.infogan.title")
    st.latex(r"\begin{gathered}\min_{G,Q}\max_D\ V(D,G)-\lambda L_I(G,Q)\\"
             r"L_I=\mathbb{E}_{c\sim p(c),\,x\sim G(z,c)}\big[\log Q(c\mid x)\big]+H(c)\ \le\ I(c;G(z,c))\end{gathered}")
    page.errata("dcgan_infogan.errata.code")
    model, metrics = loaders.trained("infogan"), loaders.checkpoint_card("infogan")["metrics"]
    controls, plot = page.controls_and_plot()
    with controls:
        category = int(state.choice(t("dcgan_infogan.infogan.category"), "code", [str(c) for c in range(10)], "0",
                                    horizontal=True))
        first = state.slider("c₂", "c2", -2.0, 2.0, 0.0, step=0.1, help=t("dcgan_infogan.infogan.continuous_help"))
        second = state.slider("c₃", "c3", -2.0, 2.0, 0.0, step=0.1)
        sweep = state.choice(t("dcgan_infogan.infogan.sweep"), "sweep", ["c2", "c3"], "c2", horizontal=True,
                             format_func=lambda c: {"c2": "c₂", "c3": "c₃"}[c])
        st.metric("L_I", f"{metrics['info_bound']:.3f}", help=t("dcgan_infogan.infogan.bound_help"))
        st.metric("H(c) = ln 10", f"{np.log(10):.3f}")
        st.metric(t("dcgan_infogan.infogan.accuracy"), f"{metrics['code_accuracy']:.1%}",
                  help=t("dcgan_infogan.infogan.accuracy_help"))
    with plot:
        one = model.generate_codes(np.array([category]), np.array([[first, second]]), state.seed())
        values = np.linspace(-2, 2, 9)
        grid = model.code_grid(values, sweep_index=0 if sweep == "c2" else 1, seed=state.seed())
        left, right = st.columns([1, 3])
        left.image(pictures.digit_picture(one, columns=1, cell=20), caption=t("dcgan_infogan.infogan.one",
                                                                              code=category), width="stretch")
        right.image(pictures.digit_picture(grid, columns=len(values), cell=8, gap=3), width="stretch",
                    caption=t("dcgan_infogan.infogan.grid", sweep={"c2": "c₂", "c3": "c₃"}[sweep]))
    left, right = st.columns([3, 2], gap="large")
    with left:
        confusion = loaders.infogan_confusion()
        page.show(figures.confusion(confusion, t("dcgan_infogan.infogan.code_axis"),
                                    t("dcgan_infogan.infogan.class_axis")), height=460)
    with right:
        page.prose("dcgan_infogan.infogan.confusion_text")


samples()
quality_table()
infogan()
page.code_behind(gan_module.GAN.train_step, gan_module.GAN.update_discriminator, gan_module.GAN.update_generator,
                 gan_module.dcgan_generator, gan_module.InfoGAN.update_generator, gan_module.interpolate)
