"""Conditional generation: Text2Image (a typed prompt, in English or Korean, conditions a
GAN through a small text encoder) and Puzzle-GAN (the pieces of a digit that are given →
the whole digit). The digit classifier reads every generated image."""

import numpy as np
import streamlit as st

from core.data import prompts
from core.models.adversarial import conditional
from core.recipes import conditional as conditional_recipe
from ui import figures, loaders, page, pictures, state
from ui.i18n import literal, t

PIECES = conditional.GRID**2  # numbered row by row from 1, as the checkbox grid shows them
GIVEN_COUNTS = (2, 4, 6, 8, 10, 12, 14)  # the card's agreement_given_<k>
# the text encoder and the matching-aware loss of core/models/adversarial/conditional.py; t-hat encodes a mismatched caption
TEXT2IMAGE = (r"\begin{aligned}t&=W\,\frac{1}{|s|}\sum_{w\in s}e(w)+b\\"
              r"\min_G\max_D\ &\mathbb{E}\big[\log D(x,t)\big]+\tfrac12\,\mathbb{E}\big[\log\big(1-D(G(z,t),t)\big)\big]"
              r"\\&+\tfrac12\,\mathbb{E}\big[\log\big(1-D(x,\hat t)\big)\big]\end{aligned}")

page.header("conditional")
page.prose("conditional.prose")


def readings_figure(probs: np.ndarray, requested: int | None):
    """How many samples the classifier reads as each digit; the requested digit in its own colour."""
    counts = np.bincount(probs.argmax(axis=1), minlength=10)
    fig = figures.grouped_bars([str(d) for d in range(10)], {t("conditional.text.readings"): counts},
                               t("conditional.text.read_as"), t("conditional.text.samples_axis"))
    if requested is not None:
        fig.data[0].marker.color = [figures.PALETTE[1] if d == requested else figures.PALETTE[0] for d in range(10)]
    fig.update_layout(showlegend=False)
    return fig


def understood(prompt: prompts.Prompt) -> str:
    """What the parser understood, as one line."""
    parts = [t("conditional.text.digit", digit=prompt.digit) if prompt.digit is not None else t("conditional.text.no_digit")]
    parts += [t(f"conditional.styles.{style}") for style in (prompt.thickness, prompt.slant) if style]
    return " · ".join(parts)


def meaning_label(category: str, value: str) -> str:
    """What the words of one meaning stand for ("7: ", "thick: "); nothing before the fillers."""
    if category == "digit":
        return f"{value}: "
    return f"{t(f'conditional.styles.{value}')}: " if value else ""


@page.section()
def text_to_image():
    page.heading("conditional.text.title")
    st.latex(TEXT2IMAGE)
    st.caption(t("conditional.text.formula"))
    text_to_image_demo(loaders.trained("text2image"), loaders.trained("classifier"))
    text_to_image_metrics()


@st.fragment
def text_to_image_demo(model, judge):
    """The prompt and its samples: the only part a prompt or count change reruns."""
    controls, plot = page.controls_and_plot()
    with controls:
        text = state.text(t("conditional.text.prompt"), "prompt", t("conditional.text.default_prompt"), max_chars=60,
                          help=t("conditional.text.prompt_help"))
        count = state.slider(t("conditional.text.count"), "count", 4, 24, 12, step=4)
        st.caption(t("conditional.text.examples"))
    prompt = prompts.parse(text)
    with controls:
        if prompt.unknown:
            st.warning(t("conditional.text.unknown", words=literal(", ".join(prompt.unknown))),
                       icon=":material/help:")
        if prompt.conflicts:
            st.warning(t("conditional.text.conflicts", words=literal(", ".join(prompt.conflicts))),
                       icon=":material/call_split:")
        with st.expander(t("conditional.text.vocabulary"), expanded=bool(prompt.unknown)):
            st.markdown("\n\n".join(f"**{t(f'conditional.vocabulary.{category}')}**  \n" + " · ".join(
                f"{meaning_label(category, value)}{', '.join(words)}" for value, words in meanings.items())
                for category, meanings in prompts.VOCABULARY.items()))
    with plot:
        if not text.strip():
            st.info(t("conditional.text.empty"), icon=":material/keyboard:")
            return
        st.markdown(t("conditional.text.understood", what=understood(prompt)))
        images, _ = model.generate_text(text, count, state.seed())
        probs = judge.probs(images)
        st.image(pictures.digit_picture(images, columns=next(c for c in (8, 6, 10, 4) if count % c == 0)), width="stretch",
                 caption=t("conditional.text.caption"))
        readings = probs.argmax(axis=1)
        st.caption(t("conditional.text.each", readings=" ".join(str(r) for r in readings)))
        if prompt.digit is not None:
            st.metric(t("conditional.text.as_requested"), f"{int((readings == prompt.digit).sum())} / {count}")
        page.show(readings_figure(probs, prompt.digit), height=240)


def text_to_image_metrics():
    """The checkpoint's measured figures on the test captions."""
    metrics = loaders.checkpoint_card("text2image")["metrics"]
    columns = st.columns(4)
    columns[0].metric(t("conditional.text.digit_accuracy"), f"{metrics['digit_accuracy']:.1%}",
                      help=t("conditional.text.digit_accuracy_help"))
    columns[1].metric(t("conditional.text.by_language"),
                      f"{metrics['digit_accuracy_english']:.0%} / {metrics['digit_accuracy_korean']:.0%}")
    columns[2].metric(t("conditional.text.style_accuracy"),
                      f"{metrics['thickness_accuracy']:.0%} / {metrics['slant_accuracy']:.0%}",
                      help=t("conditional.text.style_accuracy_help"))
    columns[3].metric(t("conditional.text.precision_recall"), f"{metrics['precision']:.2f} / {metrics['recall']:.2f}",
                      help=t("conditional.text.fd_help", fd=metrics["fd"], fd_real=metrics["fd_real"]))


@st.fragment
@page.section()
def puzzle():
    page.heading("conditional.puzzle.title")
    st.latex(r"\hat{x}=m\odot x+(1-m)\odot G(m\odot x,\ m,\ z)")
    st.latex(r"\begin{aligned}"
             r"\min_G\max_D\ &\mathbb{E}\big[\log D(x,m)\big]+\mathbb{E}\big[\log\big(1-D(\hat{x},m)\big)\big]\\"
             r"&+\lambda\,\big\|(1-m)\odot(\hat{x}-x)\big\|_1\end{aligned}")
    test, labels = loaders.gray_digits("test") / 16, loaders.digit_labels("test")
    controls, plot = page.controls_and_plot()
    with controls:
        index = state.number(t("conditional.puzzle.digit"), "puzzle_digit", 0, len(test) - 1, 0, step=1)
        st.caption(t("conditional.puzzle.presets"))
        buttons = st.columns(2)
        for number, name in enumerate(conditional.PRESETS):
            chosen = np.flatnonzero(conditional.preset(name, state.seed())).tolist()
            buttons[number % 2].button(t(f"conditional.presets.{name}"), key=f"preset_{name}", on_click=state.set_grid,
                                       args=("pieces", PIECES, chosen), width="stretch")
        default = np.flatnonzero(conditional.preset("random_half", 0)).tolist()
        chosen = state.grid(t("conditional.puzzle.pieces"), "pieces", conditional.GRID, conditional.GRID, default)
        shuffle = state.toggle(t("conditional.puzzle.shuffle"), "shuffle", help=t("conditional.puzzle.shuffle_help"))
    model, judge = loaders.trained("puzzle_gan"), loaders.trained("classifier")
    given = np.isin(np.arange(PIECES), chosen)
    original = test[index]
    pieces = conditional.shuffle_pieces(original, given, state.seed()) if shuffle else original
    with plot:
        if not given.any():
            st.info(t("conditional.puzzle.none_given"), icon=":material/extension:")
            return
        completions = model.complete(np.repeat(pieces[None], 4, axis=0), given, state.seed())  # (4, 64), one z each
        shown = np.where(conditional.piece_mask(given), pieces, np.nan)  # the missing pieces drawn as holes
        st.image(pictures.digit_picture(np.vstack([shown, completions, original]), columns=6), width="stretch",
                 caption=t("conditional.puzzle.caption"))
        readings = judge.probs(completions).argmax(axis=1)
        missing = ~conditional.piece_mask(given)
        agree = int((readings == labels[index]).sum())
        left, right = st.columns(2)
        left.metric(t("conditional.puzzle.agreement", label=labels[index]), f"{agree} / {len(readings)}",
                    help=t("conditional.puzzle.readings", readings=" ".join(str(r) for r in readings)))
        if missing.any():
            accuracy = conditional_recipe.pixel_accuracy(completions, np.repeat(original[None], 4, axis=0), given)
            right.metric(t("conditional.puzzle.pixel_accuracy"), f"{accuracy:.0%}",
                         help=t("conditional.puzzle.pixel_accuracy_help"))
        else:
            right.info(t("conditional.puzzle.all_given"), icon=":material/check:")
    metrics = loaders.checkpoint_card("puzzle_gan")["metrics"]
    counts = np.array(GIVEN_COUNTS)
    series = {t("conditional.puzzle.curve_agreement"): np.array([metrics[f"agreement_given_{k}"] for k in counts]),
              t("conditional.puzzle.curve_pixels"): np.array([metrics[f"pixel_accuracy_given_{k}"] for k in counts])}
    fig = figures.lines(counts, series, t("conditional.puzzle.curve_x"), t("conditional.puzzle.curve_y"),
                        modes={name: "lines+markers" for name in series},
                        hline=(metrics["agreement_masked_half"], t("conditional.puzzle.curve_masked")))
    fig.add_vline(x=int(given.sum()), line_dash="dot", line_color="#444")
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    page.show(fig, height=320)
    page.note(t("conditional.puzzle.curve_caption", agreement=metrics["agreement_half"],
                 pixels=metrics["pixel_accuracy_half"], masked=metrics["agreement_masked_half"]))


text_to_image()
puzzle()
page.code_behind(prompts.parse, conditional.TextEncoder, conditional.Text2Image.train_step,
                 conditional.Text2Image.discriminator_loss, conditional.PuzzleGAN.train_step, conditional.PuzzleGAN.complete,
                 conditional.shuffle_pieces)
