#!/usr/bin/env python3
"""Copies the reference rows the imc tests check into this folder (run once by hand).

Source: shared/reference/{mnsim2_reference.csv,neurosim14_reference.csv} (see README.md here).
Keeps the configurations the presets model and the columns the tests and
`bazel run //imc:compare` read; drops MNSIM's `default_headcrossnas` (another head) and
NeuroSim's configuration A (the neurosim14 preset models B) and the p = 0.5 trace of VGG-8.
Usage: extract_reference.py SHARED_REFERENCE_DIR
"""
import csv
import sys

MNSIM_COLUMNS = [
    "net_id", "config", "layer_index", "layer_kind", "Cin", "Cout", "K", "stride", "H_in",
    "H_out", "pad", "input_index", "PEnum", "tiles", "max_row", "max_col", "latency_ns",
    "finish_ns", "energy_nJ", "area_um2", "lat_buffer_ns", "lat_compute_ns", "lat_digital_ns",
    "lat_pooling_ns", "lat_intra_tile_ns", "lat_inter_tile_ns", "e_xbar_nJ", "e_ADC_nJ",
    "e_DAC_nJ", "e_buf_r_nJ", "e_buf_w_nJ", "e_pooling_nJ", "e_digital_nJ", "a_xbar_um2",
    "a_ADC_um2", "a_DAC_um2", "a_buffer_um2", "a_pooling_um2", "a_digital_um2",
    "global_acc_area_um2", "global_acc_energy_nJ",
]


def copy(src, dst, keep_row, columns):
    with open(src, newline="") as f:
        rows = [r for r in csv.DictReader(f) if keep_row(r)]
    columns = columns or list(rows[0].keys())
    with open(dst, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main():
    ref = sys.argv[1]
    copy(f"{ref}/mnsim2_reference.csv", "mnsim2_reference.csv",
         lambda r: r["config"] != "default_headcrossnas", MNSIM_COLUMNS)
    copy(f"{ref}/neurosim14_reference.csv", "neurosim14_reference.csv",
         lambda r: r["config"] == "B" and r["p_input"] == "0.3", None)


if __name__ == "__main__":
    main()
