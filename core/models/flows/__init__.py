"""Normalizing flows: an invertible network f maps data x to a standard normal z, and the
change of variables gives the exact likelihood

    log p(x) = log N(f(x); 0, I) + log |det df/dx|

realnvp  affine coupling layers (RealNVP), the stack, and DigitFlow on the digits' gray levels
lab      the live 2-D lab: a flow fitted to a target of points, its density and warped grid
         after every layer, and the comparison with Gaussian mixtures
"""
