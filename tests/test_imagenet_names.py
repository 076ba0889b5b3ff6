"""The ImageNet classes' everyday English and Chinese names (imagenet_names.tsv), the names the demo answers with."""

import re

from videoassist.models.efficientnet_lite import imagenet_class_names, imagenet_names

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_class_has_an_english_and_a_chinese_name_in_the_classifiers_order():
    names = imagenet_names()
    assert [name.index for name in names] == list(range(1000))
    assert [name.label for name in names] == imagenet_class_names()
    for name in names:
        assert name.en.strip() == name.en and name.en, name
        assert CJK.search(name.zh) and " " not in name.zh, name  # Chinese, not an English name left in


def test_everyday_names_of_known_classes():
    names = imagenet_names()
    assert (names[281].en, names[281].zh) == ("cat", "猫")  # tabby
    assert names[285].en == names[282].en == "cat"  # Egyptian cat, tiger cat
    assert (names[967].en, names[967].zh) == ("espresso", "浓缩咖啡")
    assert (names[657].en, names[657].zh) == ("missile", "导弹")
    assert (names[417].en, names[417].zh) == ("balloon", "气球")
    assert (names[207].en, names[207].zh) == ("dog", "狗")  # golden retriever
