"""GAN: the minimax value, the optimal discriminator D* and the Jensen–Shannon divergence
in one dimension; the generator's two losses; and a live 2-D GAN lab."""

import dataclasses

import numpy as np
import streamlit as st

from core import derivation as core_derivation
from core.gan_lab.config import LOSSES, NOISES, OPTIMIZERS, PRESETS, REGULARIZERS, TARGETS, LabConfig
from core.gan_lab.lab import GANLab
from core.gan_lab.losses import penalty
from core.gan_lab.points import custom_config
from core.lectures import gan_theory
from ui import derivation, figures, loaders, page, points, queue, state
from ui.i18n import t

UNITS = ["8", "16", "32", "64", "128", "256"]
RATES = ["0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1"]
WEIGHTS = ["0.1", "0.3", "1", "3", "10"]
NUMBER_FIELDS = {"g_units", "d_units", "g_lr", "d_lr", "reg_weight"}  # held as text by select sliders
VIEWS = ["real", "fake", "heatmap", "manifold", "arrows"]
FRAME_SECONDS = {"fast": 0.25, "slow": 1.0}  # the display refresh while playing, when the server is not busy
TRAIN_SECONDS = 0.12  # training time per frame and session: a classroom shares the server's cores

page.header("gan")
st.latex(r"\begin{aligned}\min_G \max_D V(D,G)=\ &\mathbb{E}_{x\sim p_{\mathrm{data}}(x)}\big[\log D(x)\big]\\"
         r"&+\mathbb{E}_{z\sim p_z(z)}\big[\log\big(1-D(G(z))\big)\big]\end{aligned}")
page.prose("gan.prose")


@st.fragment
def optimal_discriminator():
    controls, plot = page.controls_and_plot()
    with controls:
        center = state.slider(t("gan.theory.center"), "center", -4.0, 4.0, 1.0, step=0.1)
        gap = state.slider(t("gan.theory.gap"), "gap", 0.0, 6.0, 0.0, step=0.1)
        std = state.slider(t("gan.theory.std"), "std", 0.2, 3.0, 1.0, step=0.05)
        grid = gan_theory.GRID
        p_data = gan_theory.data_density(grid)
        p_g = gan_theory.generator_mixture_density(center, gap, std, grid)
        jsd = gan_theory.jensen_shannon(p_data, p_g, grid)
        st.metric(t("gan.theory.value"), f"{gan_theory.optimal_value(p_data, p_g, grid):.4f}")
        st.metric("−log 4 + 2·JSD", f"{gan_theory.value_from_jsd(p_data, p_g, grid):.4f}")
        st.metric("JSD(p_data ‖ p_g)", f"{jsd:.4f}", help=t("gan.theory.jsd_help"))
        st.caption(t("gan.theory.match"))
    with plot:
        d_star = gan_theory.optimal_discriminator(p_data, p_g)
        visible = (np.abs(grid) <= 7) & (np.arange(len(grid)) % 10 == 0)  # every 10th point of the grid: a step of 0.05
        fig = figures.lines(grid[visible], {"p_data(x)": p_data[visible], "p_g(x)": p_g[visible]}, "x",
                            t("gan.theory.density"))
        figures.add_probability_curve(fig, grid[visible], d_star[visible], "D*(x)")
        page.show(fig, height=330)
        centers, gaps, landscape = loaders.gan_value_landscape(std)
        page.show(figures.landscape(centers, gaps, landscape, (center, gap), {
            "x": t("gan.theory.center"), "y": t("gan.theory.gap"), "value": "V(D*, G)",
            "current": t("common.current"), "best": t("gan.theory.minimum"),
        }), height=330)
        page.note(t("gan.theory.caption"))
    derivation.discriminator(center, gap, std, state.seed())
    derivation.jensen_shannon(center, gap, std)


@st.fragment
def generator_losses():
    controls, plot = page.controls_and_plot()
    with controls:
        d_fake = state.slider(t("gan.losses.d_fake"), "d_fake", 0.01, 0.99, 0.05, step=0.01)
        both = gan_theory.generator_losses(np.array([d_fake]))
        st.metric(t("gan.losses.saturating_gradient"), f"{both['saturating_gradient'][0]:.3f}")
        st.metric(t("gan.losses.non_saturating_gradient"), f"{both['non_saturating_gradient'][0]:.3f}")
        page.prose("gan.losses.prose")
    with plot:
        d = np.linspace(0.005, 0.995, 400)
        curves = gan_theory.generator_losses(d)
        losses, gradients = st.columns(2)
        with losses:
            page.show(figures.lines(d, {"log(1 − D(G(z)))": curves["saturating"],
                                        "−log D(G(z))": curves["non_saturating"]},
                                    "D(G(z))", t("gan.losses.loss")), height=320)
        with gradients:
            page.show(figures.lines(d, {t("gan.losses.saturating"): curves["saturating_gradient"],
                                        t("gan.losses.non_saturating"): curves["non_saturating_gradient"]},
                                    "D(G(z))", t("gan.losses.gradient"),
                                    marker=(d_fake, float(both["saturating_gradient"][0]), t("common.current"))),
                      height=320)
        st.caption(t("gan.losses.caption", d=d_fake))


def widget_value(field: str, value) -> object:
    """A config value as the lab's widget holds it (numbers of a select slider are text)."""
    return f"{value:g}" if field in NUMBER_FIELDS else value


def apply_preset(name: str) -> None:
    """Set every lab widget to the preset's settings (runs before the widgets are drawn)."""
    for field in dataclasses.fields(LabConfig):
        if field.name not in ("custom_points", "seed"):
            st.session_state[f"lab_{field.name}"] = widget_value(field.name, getattr(PRESETS[name], field.name))
    st.session_state["lab_playing"] = False


def network_settings(prefix: str) -> dict:
    """Layers, units, optimizer and learning rate of one network (G or D)."""
    default = LabConfig()
    return {
        f"{prefix}_layers": state.slider(t("gan.lab.layers"), f"lab_{prefix}_layers", 1, 4,
                                         getattr(default, f"{prefix}_layers")),
        f"{prefix}_units": int(state.choice(t("gan.lab.units"), f"lab_{prefix}_units", UNITS,
                                            widget_value("g_units", getattr(default, f"{prefix}_units")),
                                            widget=st.select_slider)),
        f"{prefix}_optimizer": state.choice(t("gan.lab.optimizer"), f"lab_{prefix}_optimizer", OPTIMIZERS,
                                            getattr(default, f"{prefix}_optimizer"), horizontal=True,
                                            format_func=lambda o: t(f"gan.lab.optimizers.{o}")),
        f"{prefix}_lr": float(state.choice(t("gan.lab.lr"), f"lab_{prefix}_lr", RATES,
                                           widget_value("g_lr", getattr(default, f"{prefix}_lr")),
                                           widget=st.select_slider)),
    }


def lab_settings() -> LabConfig | None:
    """The lab's configuration from its widgets (None when custom points are unusable)."""
    default = LabConfig()
    target = state.choice(t("gan.lab.target"), "lab_target", TARGETS, default.target,
                          format_func=lambda name: t(f"gan.lab.targets.{name}"), widget=st.segmented_control)
    custom = points.typed_or_uploaded("gan.lab", "lab") if target == "custom" else None
    with st.expander(t("gan.lab.settings"), expanded=not state.classroom()):
        noise, generator, discriminator, game = st.columns(4, gap="medium")
        with noise:
            st.markdown(f"**{t('gan.lab.noise')}**")
            settings = {
                "noise_dim": state.slider(t("gan.lab.noise_dim"), "lab_noise_dim", 1, 4, default.noise_dim),
                "noise": state.choice(t("gan.lab.noise_kind"), "lab_noise", NOISES, default.noise,
                                      format_func=lambda n: t(f"gan.lab.noises.{n}")),
            }
        with generator:
            st.markdown(f"**{t('gan.lab.generator')}**")
            settings |= network_settings("g")
        with discriminator:
            st.markdown(f"**{t('gan.lab.discriminator')}**")
            settings |= network_settings("d")
        with game:
            st.markdown(f"**{t('gan.lab.game')}**")
            settings |= {
                "loss": state.choice(t("gan.lab.loss"), "lab_loss", LOSSES, default.loss, widget=st.selectbox,
                                     format_func=lambda loss: t(f"gan.lab.losses.{loss}")),
                "regularizer": state.choice(t("gan.lab.regularizer"), "lab_regularizer", REGULARIZERS,
                                            default.regularizer, widget=st.selectbox,
                                            format_func=lambda r: t(f"gan.lab.regularizers.{r}")),
                "reg_weight": float(state.choice(t("gan.lab.reg_weight"), "lab_reg_weight", WEIGHTS,
                                                 widget_value("reg_weight", default.reg_weight), widget=st.select_slider)),
                "d_steps": state.slider(t("gan.lab.d_steps"), "lab_d_steps", 1, 5, default.d_steps),
                "g_steps": state.slider(t("gan.lab.g_steps"), "lab_g_steps", 1, 5, default.g_steps),
            }
    settings["seed"] = state.seed()
    if target != "custom":
        return LabConfig(target=target, **settings)
    return None if custom is None else custom_config(custom, **settings)


def session_lab(config: LabConfig) -> GANLab:
    """This session's own lab; a new one whenever the settings change."""
    lab = st.session_state.get("lab")
    if lab is None or lab.config != config:
        lab = st.session_state["lab"] = GANLab(config)
        st.session_state["lab_playing"] = False
    return lab


def lab_display(lab: GANLab, views: set[str], slow: bool, refresh: float | None = None) -> None:
    """One frame: train for this frame's time budget when playing, then draw every view.

    It reads "playing" from the session at every frame, not from when it was set to repeat:
    a pause takes effect at the next frame even if that frame was already on its way.
    `refresh` is the interval the fragment repeats at; when the labs playing on the server
    share the cores differently now, a full rerun sets the fragment to the new interval.

    A frame does not queue for a slot of the training pool, as the VAE does: it is a fraction
    of a second, and the labs' budget is their frame rate, slowed for every lab alike."""
    if st.session_state.get("lab_playing", False):
        base = FRAME_SECONDS["slow" if slow else "fast"]
        interval = queue.frame_interval(base)
        if refresh and not 0.8 < interval / refresh < 1.25:
            st.rerun()  # run_every is fixed when the fragment is declared, in a full run
        if slow:
            lab.step(1)
        else:
            lab.step_for(TRAIN_SECONDS)
    frame = lab.frame()
    picture, numbers = st.columns([3, 1], gap="medium")
    with picture:
        page.show(figures.gan_lab_view(frame, views, {
            "heatmap": "D(x)", "manifold": t("gan.lab.views.manifold"), "real": t("gan.lab.views.real"),
            "fake": t("gan.lab.views.fake"), "arrows": t("gan.lab.views.arrows"),
        }), height=520)
    with numbers:
        st.metric(t("gan.lab.iteration"), f"{frame.iteration:,}")
        st.metric("KL(p_data ‖ p_g)", f"{frame.divergences['kl']:.3f}")
        st.metric("JS(p_data ‖ p_g)", f"{frame.divergences['js']:.3f}", help=t("gan.lab.divergence_help"))
        if frame.modes is not None:
            st.metric(t("gan.lab.modes"), f"{frame.modes.covered} / {frame.modes.total}")
            st.metric(t("gan.lab.high_quality"), f"{frame.modes.high_quality:.0%}", help=t("gan.lab.modes_help"))
    if frame.iteration:
        page.show(figures.gan_lab_curves(frame.losses, lab.metric_history, {
            "d_loss": t("gan.lab.d_loss"), "g_loss": t("gan.lab.g_loss"), "kl": "KL", "js": "JS",
            "modes": t("gan.lab.modes"), "iteration": t("gan.lab.iteration"), "loss": t("gan.lab.loss_axis"),
            "measure": "nats",
        }), height=280)
    if refresh:
        queue.shared_frames_note(refresh, FRAME_SECONDS["slow" if slow else "fast"])


def set_playing(playing: bool) -> None:
    """Play or pause, as the button says: a second click, or a click on a button drawn before the
    last change, sets the same state again instead of toggling it."""
    st.session_state["lab_playing"] = playing


def step_once() -> None:
    st.session_state["lab_playing"] = False
    st.session_state["lab"].step(1)


def reset_lab() -> None:
    st.session_state["lab_playing"] = False
    st.session_state["lab"].reset()


def gan_lab_section():
    page.heading("gan.lab.title")
    page.prose("gan.lab.prose")
    presets = st.columns(len(PRESETS))
    for column, name in zip(presets, PRESETS):
        column.button(t(f"gan.lab.presets.{name}"), on_click=apply_preset, args=(name,), width="stretch")
    config = lab_settings()
    if config is None:
        return
    lab = session_lab(config)
    playing = st.session_state.get("lab_playing", False)
    play, pause, one_step, reset, slow_column = st.columns(5, vertical_alignment="center")
    # two buttons, each disabled when it has nothing to do: a double click on Pause cannot land on a Play
    play.button(t("gan.lab.play"), on_click=set_playing, args=(True,), disabled=playing, type="primary",
                width="stretch", icon=":material/play_arrow:")
    pause.button(t("gan.lab.pause"), on_click=set_playing, args=(False,), disabled=not playing, type="primary",
                 width="stretch", icon=":material/pause:")
    one_step.button(t("gan.lab.step"), on_click=step_once, width="stretch", icon=":material/skip_next:")
    reset.button(t("gan.lab.reset"), on_click=reset_lab, width="stretch", icon=":material/restart_alt:")
    with slow_column:
        slow = state.toggle(t("gan.lab.slow"), "lab_slow", False, help=t("gan.lab.slow_help"))
    views = st.pills(t("gan.lab.views.title"), VIEWS, selection_mode="multi", default=VIEWS, key="lab_views",
                     format_func=lambda v: t(f"gan.lab.views.{v}"))
    if playing:  # the interval every lab playing on this server shares now
        refresh = queue.frame_interval(FRAME_SECONDS["slow" if slow else "fast"])
    else:
        refresh = None
        queue.stop_playing()
    st.fragment(run_every=refresh)(lab_display)(lab, set(views), slow, refresh)


page.heading("gan.theory.title")
st.latex(r"\begin{gathered}D^*_G(x)=\frac{p_{\mathrm{data}}(x)}{p_{\mathrm{data}}(x)+p_g(x)}\\"
         r"V(D^*_G,G)=-\log 4+2\,\mathrm{JSD}\big(p_{\mathrm{data}}\,\|\,p_g\big)\end{gathered}")
optimal_discriminator()
page.heading("gan.losses.title")
generator_losses()
gan_lab_section()
page.code_behind(gan_theory.optimal_discriminator, gan_theory.value, gan_theory.jensen_shannon,
                 core_derivation.discriminator_lines, core_derivation.maximize_pointwise, core_derivation.jsd_lines,
                 gan_theory.generator_losses, GANLab.step, GANLab._discriminator_step, GANLab._generator_step, penalty)
