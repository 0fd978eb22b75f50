"""Architectures and the MAC counter: the seed CNN's figures by hand, the edge model's budget."""

from __future__ import annotations

import pytest

from train.architectures import ARCHITECTURES, build_edge, build_model
from train.macs import count_macs, layer_costs


def test_mac_counter_matches_the_seed_cnn_by_hand():
    model = build_model("seed")
    conv1 = 26 * 26 * (3 * 3 * 1) * 32  # valid 3x3 conv: 28 -> 26
    conv2 = 11 * 11 * (3 * 3 * 32) * 64  # after 2x2 pooling 13 -> 11
    dense = (5 * 5 * 64) * 128  # pooled 11 -> 5, flattened
    output = 128 * 10
    assert count_macs(model) == conv1 + conv2 + dense + output == 2_631_040
    assert model.count_params() == 225_034


def test_mac_counter_counts_depthwise_and_pointwise_layers():
    costs = {cost.name: cost for cost in layer_costs(build_edge())}
    assert costs["stem_conv"].macs == 28 * 28 * 9 * 16
    assert costs["s1b1_dw"].macs == 14 * 14 * 9 * 16
    assert costs["s1b1_pw"].macs == 14 * 14 * 16 * 32
    assert costs["s2b2_pw"].macs == 7 * 7 * 48 * 64
    assert costs["s3b1_dw"].macs == 3 * 3 * 9 * 64  # 7x7 pooled to 3x3
    assert costs["stem_bn"].macs == 0  # folded into the convolution at export


def test_edge_model_meets_its_budget():
    edge, seed = build_model("edge"), build_model("seed")
    assert count_macs(edge) <= count_macs(seed) / 3
    # int8 weights must stay well under 100 KB.
    assert edge.count_params() < 90_000
    assert edge.input_shape == (None, 28, 28, 1) and edge.output_shape == (None, 10)


def test_every_architecture_builds_and_unknown_names_are_rejected():
    for name in ARCHITECTURES:
        assert build_model(name).name == name
    with pytest.raises(ValueError, match="edge, seed"):
        build_model("resnet")
