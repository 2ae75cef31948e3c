"""Turn dlib's net_to_xml dump of the face ResNet into an .npz of its weights, input → output order.

    python bench/gpu/xml_to_npz.py net.xml weights.npz
"""
import re
import sys

import numpy as np


def main(xml_path: str, out_path: str) -> None:
    xml = open(xml_path, encoding="utf-8").read()
    items = re.findall(r"<(con|affine_con|fc_no_bias)([^>]*)>\s*([^<]*)</\1>", xml)
    arrays = {}
    for n, (kind, attrs, body) in enumerate(reversed(items)):     # the XML lists the output layer first
        arrays[f"{n:03d}_{kind}"] = np.array(body.split(), dtype=np.float32)
        if kind == "con":
            a = dict(re.findall(r"(\w+)='([^']*)'", attrs))
            arrays[f"{n:03d}_{kind}_shape"] = np.array([int(a["num_filters"]), int(a["nr"]), int(a["nc"]),
                                                       int(a["stride_y"]), int(a["padding_y"])])
    np.savez_compressed(out_path, **arrays)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
