"""A 2-D GAN lab: train a small GAN on points in the plane and watch every part of it.

In the spirit of GAN Lab [1], in Python. A generator G maps noise z ~ p(z) to points
x = G(z) in the plane; a discriminator D scores points, and the two play the game [2]

    min_G max_D  E_{x ~ p_data}[log D(x)] + E_z[log(1 - D(G(z)))].

Each training iteration has two phases, as in the DCGAN example of pytorch/examples:
    (1) update D, `d_steps` times: push D(x) up on real points and down on G(z);
    (2) update G, `g_steps` times: move G(z) to where D says "real".
As in that example, the first G update reuses the fakes G(z) of the last D update.

D outputs a logit l(x) and D(x) = sigmoid(l(x)). The losses (`LOSSES`; D's are averaged
over the 2B points of a batch, B real and B fake, so each term counts 1/2):
    minimax         D: -log D(x) - log(1 - D(G(z)))      G: log(1 - D(G(z)))   (saturates)
    non_saturating  D: the same                          G: -log D(G(z))       [2, section 3]
    least_squares   D: 1/2 (l(x) - 1)^2 + 1/2 l(G(z))^2   G: 1/2 (l(G(z)) - 1)^2   [3]
Regularizers of D (`REGULARIZERS`), added to D's loss with the config's weight:
    gradient_penalty  E (||grad l(x^)|| - 1)^2 on x^ = e x + (1 - e) G(z), e ~ U[0, 1]   [4]
    zero_centered_gp  E ||grad l(x^)||^2 on the same interpolates                         [5]
    r1                E ||grad l(x)||^2 on real points (weight = gamma / 2)                [6]

What the page draws (numpy arrays, under torch.inference_mode() except the arrows):
    real and generated points, D's heatmap, the generator's manifold (the image of a
    regular grid of the noise space), the gradient of G's loss at each generated point,
    loss curves, KL and JS on a smoothed 2-D histogram, and, for the mixtures (ring,
    grid), the modes covered and the share of high-quality samples [7, 8].

Speed: one torch thread runs about a thousand iterations a second (bench/gan_lab.py)
because each network's weights live in one flat vector, so an optimizer step is a few
tensor operations (`flatten_parameters`, `Adam` in networks.py), gradients are taken only
with respect to the network being trained (`torch.autograd.grad`), and D sees the real
and the fake half of a batch in one pass.

[1] Kahng et al., GAN Lab: Understanding Complex Deep Generative Models using
    Interactive Visual Experimentation, IEEE VIS 2018.
[2] Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014.
[3] Mao et al., Least Squares Generative Adversarial Networks, ICCV 2017.
[4] Gulrajani et al., Improved Training of Wasserstein GANs, NeurIPS 2017.
[5] Thanh-Tung, Tran & Venkatesh, Improving Generalization and Stability of GANs, ICLR 2019.
[6] Mescheder, Geiger & Nowozin, Which Training Methods for GANs do actually Converge?, ICML 2018.
[7] Srivastava et al., VEEGAN: Reducing Mode Collapse in GANs using Implicit Variational Learning, NeurIPS 2017.
[8] Lin et al., PacGAN: The Power of Two Samples in Generative Adversarial Networks, NeurIPS 2018.

The modules; each imports only modules listed above it (config <- points; config,
networks, losses, measures <- lab), and this file re-exports nothing: import each name
from its module, e.g. `from core.gan_lab.lab import GANLab`.
    config.py    LabConfig (every setting, checked when made); the choices TARGETS, NOISES,
                 OPTIMIZERS, LOSSES, REGULARIZERS; MIN_POINTS, MAX_POINTS of a custom target;
                 sample_target, sample_noise, noise_quantile; PRESETS, with_settings
    networks.py  MLP, flatten_parameters, the lab's own SGD and Adam on a flat vector
                 (ADAM_BETAS, OPTIMIZER_CLASSES), flat_gradient
    losses.py    D's and G's losses (DISCRIMINATOR_LOSSES, GENERATOR_LOSSES); penalty, D's
                 regularizer
    points.py    custom targets from a CSV file: PointsFileError, parse_points_csv,
                 rescale_points, custom_config
    measures.py  mixture_modes, ModeStats, mode_stats, histogram_divergences (KL, JS)
    lab.py       GANLab (training, and the views of the page in a LabFrame), the sizes
                 POOL_SIZE, DISPLAY_POINTS, EVAL_POINTS, and modes_over_training
"""
