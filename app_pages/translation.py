"""Image translation: CycleGAN between handwritten and printed digits (unpaired), with the
cycle weight λ chosen among three trained checkpoints; StarGAN, one generator for five
styles of digits; and the parameter count of one StarGAN against k(k−1) CycleGAN generators."""

import numpy as np
import streamlit as st

from core.data import domains
from core.models.adversarial import translation
from ui import figures, loaders, page, pictures, state
from ui.i18n import t

LAMBDAS = ["0", "1", "10"]  # cyclegan_l<λ>
SHOWN = 8  # test digits in a row of the CycleGAN picture
DOMAIN_COUNTS = tuple(range(2, 11))  # k for the parameter-count plot

page.header("translation")
page.prose("translation.prose")


def read(judge, images: np.ndarray) -> np.ndarray:
    """The class a judge (a trained classifier) reads in each image."""
    return judge.probs(images).argmax(axis=1)


def spaced(digits: np.ndarray) -> str:
    return " ".join(map(str, digits))


@st.fragment
@page.section()
def cyclegan():
    page.heading("translation.cycle.title")
    st.latex(r"\mathcal{L}=\mathcal{L}_{\mathrm{GAN}}(G,D_B)+\mathcal{L}_{\mathrm{GAN}}(F,D_A)")
    st.latex(r"+\lambda\,\underbrace{\Big(\mathbb{E}_a\big\|F(G(a))-a\big\|_1+\mathbb{E}_b\big\|G(F(b))-b\big\|_1\Big)}"
             r"_{\text{cycle consistency}}")
    st.latex(r"+\tfrac{1}{2}\lambda\,\underbrace{\Big(\mathbb{E}_b\big\|G(b)-b\big\|_1+\mathbb{E}_a\big\|F(a)-a\big\|_1\Big)}"
             r"_{\text{identity}}")
    test, labels = loaders.gray_digits("test") / 16, loaders.digit_labels("test")
    controls, plot = page.controls_and_plot()
    with controls:
        lam = state.choice(t("translation.cycle.lambda"), "lam", LAMBDAS, "10", widget=st.segmented_control,
                           format_func=lambda v: f"λ = {v}", help=t("translation.cycle.lambda_help"))
        start = state.number(t("translation.cycle.start"), "cycle_digit", 0, len(test) - SHOWN, 0, step=SHOWN)
    model, metrics = loaders.trained(f"cyclegan_l{lam}"), loaders.checkpoint_card(f"cyclegan_l{lam}")["metrics"]
    printed_judge, judge = loaders.trained("printed_classifier"), loaders.trained("classifier")
    with controls:
        st.metric(t("translation.cycle.identity"), f"{metrics['identity_ab']:.1%}",
                  help=t("translation.cycle.identity_help"))
        st.metric(t("translation.cycle.identity_back"), f"{metrics['identity_ba']:.1%}",
                  help=t("translation.cycle.identity_back_help"))
        st.metric(t("translation.cycle.cycle_error"), f"{metrics['cycle_error_a']:.3f}",
                  help=t("translation.cycle.cycle_error_help"))
    digits = test[start : start + SHOWN]
    translated, back = model.cycle_a(digits)
    with plot:
        st.image(pictures.digit_picture(np.vstack([digits, translated, back]), columns=SHOWN), width="stretch",
                 caption=t("translation.cycle.caption"))
        truth = labels[start : start + SHOWN]
        readings, back_readings = read(printed_judge, translated), read(judge, back)
        st.caption(t("translation.cycle.readings", truth=spaced(truth), readings=spaced(readings),
                     kept=int((readings == truth).sum()), back=spaced(back_readings),
                     back_kept=int((back_readings == truth).sum()), shown=SHOWN,
                     error=np.abs(back - digits).mean()))
        printed = domains.printed_digits(truth, state.seed())
        handwritten = model.translate_ba(printed)
        st.image(pictures.digit_picture(np.vstack([printed, handwritten]), columns=SHOWN),
                 width="stretch", caption=t("translation.cycle.caption_ba"))
        readings = read(judge, handwritten)
        st.caption(t("translation.cycle.readings_ba", truth=spaced(truth), readings=spaced(readings),
                     kept=int((readings == truth).sum()), shown=SHOWN))
    with page.section():  # the table reads the cards of all three λ
        cards = {v: loaders.checkpoint_card(f"cyclegan_l{v}")["metrics"] for v in LAMBDAS}
        rows = [{t("translation.cycle.table_lambda"): f"λ = {v}",
                 t("translation.cycle.identity_ab"): f"{cards[v]['identity_ab']:.1%}",
                 t("translation.cycle.identity_ba"): f"{cards[v]['identity_ba']:.1%}",
                 t("translation.cycle.cycle_error_a"): round(cards[v]["cycle_error_a"], 4),
                 t("translation.cycle.cycle_error_b"): round(cards[v]["cycle_error_b"], 4)} for v in LAMBDAS]
        st.dataframe(rows, hide_index=True, width="stretch")
        page.note(t("translation.cycle.table_caption"))


@st.fragment
@page.section()
def stargan():
    page.heading("translation.star.title")
    st.latex(r"\mathcal{L}_G=\mathcal{L}_{\mathrm{adv}}+\lambda_{\mathrm{cls}}\,\mathcal{L}^{f}_{\mathrm{cls}}"
             r"+\lambda_{\mathrm{rec}}\,\mathbb{E}_{x,c,c'}\big\|x-G(G(x,c),c')\big\|_1")
    test, labels = loaders.gray_digits("test") / 16, loaders.digit_labels("test")
    names = list(domains.DOMAINS)
    controls, plot = page.controls_and_plot()
    with controls:
        index = state.number(t("translation.star.digit"), "star_digit", 0, len(test) - 1, 3, step=1)
        target = state.choice(t("translation.star.target"), "domain", names, "thick",
                              format_func=lambda d: t(f"translation.domains.{d}"))
    model, domain_judge, judge = (loaders.trained(name) for name in ("stargan", "domain_classifier", "classifier"))
    metrics, reference = (loaders.checkpoint_card(name)["metrics"] for name in ("stargan", "domain_classifier"))
    with controls:
        st.metric(t("translation.star.domain_accuracy"), f"{metrics['domain_accuracy']:.1%}",
                  help=t("translation.star.domain_accuracy_help"))
        st.metric(t("translation.star.identity_accuracy"), f"{metrics['identity_accuracy']:.1%}",
                  help=t("translation.star.identity_accuracy_help"))
    source = test[index : index + 1]
    every = model.translate(np.repeat(source, len(names), axis=0), np.arange(len(names)))  # one per domain
    chosen = every[names.index(target)][None]
    with plot:
        left, right = st.columns([2, 5])
        left.image(pictures.digit_picture(np.vstack([source, chosen]), columns=2, cell=14), width="stretch",
                   caption=t("translation.star.pair"))
        right.image(pictures.digit_picture(every, columns=len(names), cell=14), width="stretch",
                    caption=t("translation.star.every", domains=" · ".join(t(f"translation.domains.{d}") for d in names)))
        domain_read, digit_read = read(domain_judge, chosen)[0], read(judge, chosen)[0]
        st.caption(t("translation.star.readings", domain=t(f"translation.domains.{names[domain_read]}"),
                     digit=digit_read, truth=labels[index]))
    rows = [{t("translation.star.table_domain"): t(f"translation.domains.{d}"),
             t("translation.star.domain_accuracy"): f"{metrics[f'domain_accuracy_{d}']:.1%}",
             t("translation.star.identity_accuracy"): f"{metrics[f'identity_accuracy_{d}']:.1%}",
             t("translation.star.reference"): f"{reference[f'reference_identity_{d}']:.1%}"} for d in names[1:]]
    st.dataframe(rows, hide_index=True, width="stretch")


def parameter_counts():
    page.heading("translation.counts.title", level=3)
    parameter_counts_demo()
    st.caption(t("translation.counts.caption"))


@st.fragment
def parameter_counts_demo():
    """k and the plot: the only part moving k reruns."""
    controls, plot = page.controls_and_plot()
    with controls:
        k = state.slider(t("translation.counts.domains"), "domains_k", 2, DOMAIN_COUNTS[-1], len(domains.DOMAINS))
        star_counts, cycle_counts = loaders.generator_parameter_counts(DOMAIN_COUNTS)
        star, cycle = int(star_counts[k - DOMAIN_COUNTS[0]]), int(cycle_counts[k - DOMAIN_COUNTS[0]])
        st.metric(t("translation.counts.star"), f"{star:,}")
        st.metric(t("translation.counts.cycle", pairs=k * (k - 1)), f"{cycle:,}")
        st.metric(t("translation.counts.ratio"), f"{cycle / star:.1f}×")
    with plot:
        series = {t("translation.counts.star_line"): star_counts, t("translation.counts.cycle_line"): cycle_counts}
        fig = figures.lines(np.array(DOMAIN_COUNTS), series, t("translation.counts.x"), t("translation.counts.y"),
                            modes={name: "lines+markers" for name in series}, log_y=True,
                            marker=(k, cycle, t("translation.counts.here", k=k)))
        page.show(fig, height=320)


cyclegan()
stargan()
parameter_counts()
page.code_behind(translation.CycleGAN.train_step, translation.StarGAN.train_step, domains.restyle,
                 translation.stargan_generator_params, translation.cyclegan_generators_params)
