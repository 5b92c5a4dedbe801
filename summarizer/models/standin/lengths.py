"""Realistic output lengths for Marian stand-ins: a few crafted weights make EOS win at a step that follows
the source's length, calibrated on FLORES (`build_stand_in(..., lengths="realistic")`)."""

from __future__ import annotations

from typing import Any

# --- realistic lengths (marian) -------------------------------------------------------------------
#
# Random weights never put EOS at a sensible step. With `lengths="realistic"` a few dimensions of the
# residual stream and one attention head per sublayer are crafted so that EOS wins at decoder step
#     T = rho * (L - 1) + sigma * (L - 1) * mean(f) + c
# where L is the number of source tokens (with the target token and </s>), f is a fixed random
# "fertility" per token type (0 for special tokens), and (rho, sigma, c) come with the target token
# (>>rus<<, >>ara<<, ...; none: the "" entry). It is plain arithmetic in the saved weights:
#   - step p: a uniform causal self-attention head over the lowest-frequency sinusoidal position
#     (sin(w k) ~ w k), whose mean over k = 0..p is proportional to p; the same head in the encoder,
#     over the whole source, gives L - 1; a second encoder head attends to the target token (else to
#     </s>) and copies its (rho, sigma, c); an encoder FFN multiplies L by mean(f) (x*y from silu);
#   - the decoder's cross-attention copies those, its FFN computes T (products by the same silu
#     identity) and writes p - T into a pair of dimensions that the EOS row of the tied embeddings
#     reads with a large gain, so that EOS loses by ~100 logits per step before T and wins after.
# Post-LayerNorm would rescale these numbers by a different factor for every token; every sublayer
# therefore adds +/-M to two dimensions (zeroed again by the norm's weight), so that each norm divides
# by the same near-constant. The random sublayers keep running on their own dimensions (rescaled by
# the spread measured on the random model), so the text is the same kind of noise as before.
# Nothing depends on the generated tokens, so every beam ends at the same step, and float32
# torch and CTranslate2 agree on the length (int8 rounds these magnitudes: see BENCHMARKS.md).

# Per size, per target token: (rho, sigma, c), fitted by benchmarks/standin_lengths.py --calibrate on
# the even lines of FLORES-200 devtest against the references tokenized by the stand-in's own
# SentencePiece model (>>rus<<: ref.ru, >>ara<<: ref.ar, >>aze_Latn<< and >>tur<<: ref.az, none: ref.ru).
LENGTH_CALIBRATION: dict[str, dict[str, tuple[float, float, float]]] = {
    "tiny": {
        "": (0.7106, 0.944, 2.677),
        ">>rus<<": (0.7084, 0.9441, 2.133),
        ">>ara<<": (0.6648, 0.8833, 2.806),
        ">>aze_Latn<<": (1.8247, 2.4409, 12.26),
        ">>tur<<": (1.8247, 2.4409, 12.26),
    },
    "base": {
        "": (0.7172, 0.9154, 2.053),
        ">>rus<<": (0.7169, 0.9151, 1.351),
        ">>ara<<": (0.6764, 0.8742, 2.011),
        ">>aze_Latn<<": (1.5941, 2.2566, 10.1),
        ">>tur<<": (1.5941, 2.2566, 10.1),
    },
}

_UNIT = 10.0  # residual units per decoder step
_BIG_M = 1.0e6  # the +/-M that makes every LayerNorm divide by the same number
_FERTILITY_SCALE = 100.0  # raw size of f in the embedding
_PARAM_SCALE = (1000.0, 1000.0, 100.0)  # raw sizes of rho, sigma, c in the target tokens' embeddings
_FLAG = 100.0  # raw size of the "target token here" flag (</s> gets half)
_EOS_GAIN = 5.0  # EOS logit per residual unit of p - T: 2 * 5 * 10 = 100 logits per step
_GATE = 50.0  # silu(x + 50) - 50 == x for the linear unit
_SMALL = 0.04  # inputs of the silu products stay below this, where silu(x) + silu(-x) = x^2 / 2


def length_parameters(size: str) -> dict[str, tuple[float, float, float]]:
    """The calibrated (rho, sigma, c) per target token ("" for none) of a realistic-length stand-in."""
    return dict(LENGTH_CALIBRATION[size])


def fertilities(vocab_size: int, special_ids: list[int], seed: int) -> Any:
    """The per-token f of a realistic-length stand-in built with `seed` (0 for special tokens)."""
    import torch

    generator = torch.Generator().manual_seed(seed + 7919)
    f = torch.randn(vocab_size, generator=generator, dtype=torch.float64)
    f[sorted(set(special_ids))] = 0.0
    return f


def _layer_norm_spread(model: Any, normal_ids: list[int], seed: int) -> dict[Any, float]:
    """The mean standard deviation of every LayerNorm's input on random tokens, in the random model."""
    import torch

    spread: dict[Any, list[float]] = {}
    hooks = []
    for module in model.modules():
        if isinstance(module, torch.nn.LayerNorm):

            def hook(mod: Any, args: tuple, _out: Any) -> None:
                spread.setdefault(mod, []).append(float(args[0].float().std(dim=-1, unbiased=False).mean()))

            hooks.append(module.register_forward_hook(hook))
    generator = torch.Generator().manual_seed(seed + 104729)
    pick = torch.randint(0, len(normal_ids), (4, 24), generator=generator)
    ids = torch.tensor(normal_ids)[pick]
    model.eval()  # no dropout: the measure is the same on every build
    try:
        with torch.no_grad():
            model(input_ids=ids, decoder_input_ids=ids)
    finally:
        for handle in hooks:
            handle.remove()
    return {module: sum(values) / len(values) for module, values in spread.items()}


def craft_marian_lengths(
    model: Any, special_ids: list[int], params: dict[int, tuple[float, float, float]], default: tuple, seed: int
) -> None:
    """Overwrite a few weights of a random MarianMTModel so that its outputs end at realistic lengths."""
    import math

    import torch

    config = model.config
    d, heads = config.d_model, config.encoder_attention_heads
    hd = d // heads
    half = d // 2
    vocab_size = config.vocab_size
    emb = model.get_input_embeddings().weight
    scale = math.sqrt(d) if config.scale_embedding else 1.0
    specials = sorted(set(special_ids))
    normal_ids = [i for i in range(vocab_size) if i not in set(specials)]
    spread = _layer_norm_spread(model, normal_ids, seed)

    # Dimensions: sinusoidal positions put sin(w_k pos) in dim k and cos(w_k pos) in dim half + k, w_k
    # falling with k; the low-frequency dims change slowly, so their share in a crafted number is small.
    sin_low = [half - 1 - i for i in range(5)]
    cos_low = [d - 1 - i for i in range(15)]
    z_sin, z_rho, z_sig, z_c, z_f = sin_low
    # Every crafted number is a pair (+x, -x), so that it adds nothing to a norm's mean.
    d_pos, d_neg, l_pos, l_neg, s_pos, s_neg, f_pos, f_neg, r_pos, r_neg, g_pos, g_neg, c_pos, c_neg, z_flag = cos_low
    pairs = {name: ((a, b), {a: 1.0, b: -1.0}, {a: 0.5, b: -0.5}) for name, a, b in
             [("d", d_pos, d_neg), ("l", l_pos, l_neg), ("s", s_pos, s_neg), ("f", f_pos, f_neg),
              ("rho", r_pos, r_neg), ("sig", g_pos, g_neg), ("c", c_pos, c_neg)]}  # fmt: skip
    dims = {name: list(pair[0]) for name, pair in pairs.items()}
    write = {name: pair[1] for name, pair in pairs.items()}
    read = {name: pair[2] for name, pair in pairs.items()}
    m_pos, m_neg = 0, 1
    control = sorted({*sin_low, *cos_low, m_pos, m_neg})
    randoms = [i for i in range(d) if i not in set(control)]
    omega = 10000.0 ** (-2.0 * (half - 1) / d)
    a_pos = 2.0 * _UNIT / omega  # mean over k = 0..p of a_pos * sin(w k) = UNIT * p
    sigma_nominal = _BIG_M * math.sqrt(2.0 / d)
    max_steps = config.max_position_embeddings

    with torch.no_grad():
        # The random parts neither read nor write the crafted dimensions, and what they write has zero
        # mean across dimensions, so that the norms' mean does not depend on the tokens.
        emb[:, control] = 0.0
        rows = emb[normal_ids]
        rows[:, randoms] -= rows[:, randoms].mean(dim=1, keepdim=True)
        emb[normal_ids] = rows
        for layer in [*model.model.encoder.layers, *model.model.decoder.layers]:
            attentions = [layer.self_attn] + ([layer.encoder_attn] if hasattr(layer, "encoder_attn") else [])
            for attn in attentions:
                for proj in (attn.q_proj, attn.k_proj, attn.v_proj):
                    proj.weight[:, control] = 0.0
                _center_rows(attn.out_proj, control, randoms)
            layer.fc1.weight[:, control] = 0.0
            _center_rows(layer.fc2, control, randoms)
            for norm in (
                layer.self_attn_layer_norm,
                getattr(layer, "encoder_attn_layer_norm", None),
                layer.final_layer_norm,
            ):
                if norm is None:
                    continue
                norm.weight[randoms] = sigma_nominal / spread[norm]
                norm.weight[control] = 0.0
                norm.bias[control] = 0.0
            for out in (*(attn.out_proj for attn in attentions), layer.fc2):
                out.bias[m_pos], out.bias[m_neg] = _BIG_M, -_BIG_M

        # Embeddings: f for normal tokens; the target tokens (and </s>, the fallback) carry a flag and
        # their (rho, sigma, c); the EOS row reads p - T.
        f = fertilities(vocab_size, specials, seed).to(emb.dtype)
        emb[:, z_f] = f * _FERTILITY_SCALE / scale
        eos = config.eos_token_id
        for token_id, values in [*params.items(), (eos, default)]:
            emb[token_id, z_flag] = (_FLAG if token_id != eos else _FLAG / 2) / scale
            for dim, value, raw in zip((z_rho, z_sig, z_c), values, _PARAM_SCALE, strict=True):
                emb[token_id, dim] = value * raw / scale
        emb[eos, d_pos], emb[eos, d_neg] = _EOS_GAIN, -_EOS_GAIN

        enc0, dec0 = model.model.encoder.layers[0], model.model.decoder.layers[0]
        # Encoder head 0, uniform: L - 1 (pair) and mean f.
        _uniform_head(enc0.self_attn, 0, hd, [{z_sin: a_pos}, {z_f: 1.0}], [write["l"], write["f"]])
        # Encoder head 1: attend to the target token (</s> if none) and copy its rho, sigma, c.
        sharp = 60.0 / _FLAG * math.sqrt(hd)  # a score gap of 60 over the other tokens
        _uniform_head(
            enc0.self_attn, 1, hd, [{z_rho: 1.0}, {z_sig: 1.0}, {z_c: 1.0}], [write["rho"], write["sig"], write["c"]]
        )
        enc0.self_attn.q_proj.bias[hd] = sharp
        enc0.self_attn.k_proj.weight[hd, z_flag] = 1.0
        # Encoder FFN: S = (L - 1) * mean f, as a pair.
        l_max = _UNIT * max_steps
        f_max = 3.0 * _FERTILITY_SCALE
        _product_units(enc0, 0, read["l"], read["f"], _SMALL / l_max, _SMALL / f_max,
                       {k: v / _FERTILITY_SCALE for k, v in write["s"].items()})  # fmt: skip
        for norm in (enc0.self_attn_layer_norm, enc0.final_layer_norm, *_later_norms(model.model.encoder.layers)):
            norm.weight[dims["l"] + dims["f"] + dims["rho"] + dims["sig"] + dims["c"]] = sigma_nominal
        for norm in (enc0.final_layer_norm, *_later_norms(model.model.encoder.layers)):
            norm.weight[dims["s"]] = sigma_nominal

        # Decoder self-attention head 0, uniform and causal: p (pair).
        _uniform_head(dec0.self_attn, 0, hd, [{z_sin: a_pos}], [write["d"]])
        # Cross-attention head 0, uniform: L - 1, S, rho, sigma, c (equal at every source position).
        _uniform_head(
            dec0.encoder_attn, 0, hd,
            [read[name] for name in ("l", "s", "rho", "sig", "c")],
            [write[name] for name in ("l", "s", "rho", "sig", "c")],
        )  # fmt: skip
        # Decoder FFN: T = rho * (L - 1) + sigma * S + c, subtracted from the p pair.
        s_max = _UNIT * max_steps * 3.0
        rho_raw, sig_raw, c_raw = _PARAM_SCALE
        minus_t = {d_pos: -1.0, d_neg: 1.0}
        _product_units(dec0, 0, read["rho"], read["l"], _SMALL / (3.0 * rho_raw), _SMALL / l_max,
                       {k: v / rho_raw for k, v in minus_t.items()})  # fmt: skip
        _product_units(dec0, 4, read["sig"], read["s"], _SMALL / (3.0 * sig_raw), _SMALL / s_max,
                       {k: v / sig_raw for k, v in minus_t.items()})  # fmt: skip
        c_in = 10.0 / (30.0 * c_raw)  # |c| <= 30 steps stays within +/-10 of the gate
        dec0.fc1.weight[8] = 0.0
        for dim, w in read["c"].items():
            dec0.fc1.weight[8, dim] = c_in * w
        dec0.fc1.bias[8] = _GATE
        dec0.fc2.weight[:, 8] = 0.0
        for dim, sign in minus_t.items():
            dec0.fc2.weight[dim, 8] = sign * _UNIT / (c_in * c_raw)
            dec0.fc2.bias[dim] -= sign * _UNIT * _GATE / (c_in * c_raw)
        dec_norms = [n for layer in model.model.decoder.layers for n in
                     (layer.self_attn_layer_norm, layer.encoder_attn_layer_norm, layer.final_layer_norm)]  # fmt: skip
        for norm in dec_norms:
            norm.weight[dims["d"]] = sigma_nominal
        for norm in dec_norms[1:]:
            norm.weight[dims["l"] + dims["s"] + dims["rho"] + dims["sig"] + dims["c"]] = sigma_nominal


def _later_norms(layers: Any) -> list[Any]:
    return [norm for layer in layers[1:] for norm in (layer.self_attn_layer_norm, layer.final_layer_norm)]


def _center_rows(linear: Any, control: list[int], randoms: list[int]) -> None:
    """No writes into the crafted dimensions; what is written elsewhere sums to zero."""
    linear.weight[control] = 0.0
    linear.weight[randoms] -= linear.weight[randoms].mean(dim=0, keepdim=True)
    linear.bias[control] = 0.0
    linear.bias[randoms] -= linear.bias[randoms].mean()


def _uniform_head(attn: Any, head: int, hd: int, reads: list[dict[int, float]], writes: list[dict[int, float]]) -> None:
    """Make `head` of `attn` attend evenly (zero query) and carry value i = reads[i] . x to writes[i]."""
    rows = slice(head * hd, (head + 1) * hd)
    for proj in (attn.q_proj, attn.k_proj, attn.v_proj):
        proj.weight[rows] = 0.0
        proj.bias[rows] = 0.0
    attn.out_proj.weight[:, rows] = 0.0
    for i, (read, write) in enumerate(zip(reads, writes, strict=True)):
        for dim, weight in read.items():
            attn.v_proj.weight[head * hd + i, dim] = weight
        for dim, weight in write.items():
            attn.out_proj.weight[dim, head * hd + i] = weight


def _product_units(
    layer: Any, first: int, read_a: dict[int, float], read_b: dict[int, float], alpha: float, beta: float,
    writes: dict[int, float],
) -> None:  # fmt: skip
    """Four FFN units that add (read_a . x) * (read_b . x) * writes[dim] to each dim.

    silu(x) + silu(-x) = x tanh(x / 2) = x^2 / 2 for small x, so with a = alpha * A, b = beta * B:
    ab = (phi(a + b) - phi(a - b)) / 2.
    """
    signs = [(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0)]
    for k, (sa, sb) in enumerate(signs):
        unit = first + k
        layer.fc1.weight[unit] = 0.0
        layer.fc1.bias[unit] = 0.0
        for dim, w in read_a.items():
            layer.fc1.weight[unit, dim] += sa * alpha * w
        for dim, w in read_b.items():
            layer.fc1.weight[unit, dim] += sb * beta * w
        layer.fc2.weight[:, unit] = 0.0
        for dim, w in writes.items():
            layer.fc2.weight[dim, unit] = (1.0 if k < 2 else -1.0) * w / (2.0 * alpha * beta)


# --- BART -------------------------------------------------------------------------------------------
