"""Masking rules of training mode (培训演示模式), at their edges."""

from __future__ import annotations

import math
import random
import re

import pandas as pd
import pytest

from puhui import masking

PERSON_NAMES = [
    ("张三", "张*"),
    ("张三丰", "张**"),
    ("张", "*"),
    ("欧阳娜娜", "欧阳**"),
    ("欧阳修", "欧阳*"),
    ("司马懿", "司马*"),
    ("诸葛孔明", "诸葛**"),
    ("上官婉儿", "上官**"),
    ("欧阳", "欧*"),  # two characters: surname 欧, given name 阳
    ("王建城", "王**"),  # 城 is a given name here, not a business word
    ("买买提·艾力", "买**·**"),
    ("John Smith", "J*** *****"),
]

BUSINESS_NAMES = [
    ("公安县宏达商贸有限公司", "公安县**商贸有限公司"),
    ("湖北省宏达建材有限责任公司", "湖北省**建材有限责任公司"),
    ("湖北宏达建材有限责任公司", "湖北**建材有限责任公司"),
    ("武汉市江岸区宏图科技发展有限公司", "武汉市江岸区**科技发展有限公司"),
    ("宏达市场管理有限公司", "**市场管理有限公司"),  # 市场 is not the region 宏达市
    ("宏达商贸（公安）有限公司", "**商贸（公安）有限公司"),
    ("公安县张记餐馆", "公安县**餐馆"),
    ("公安县老王五金店", "公安县**五金店"),
    ("公安县宏发行", "公安县**行"),
    ("公安县斗湖堤镇张记超市", "公安县斗湖堤镇**超市"),  # 超市 is not a city ending in 市
    ("公安县麻豪口镇锦程汽车运输队", "公安县麻豪口镇**汽车运输队"),
    ("公安县益丰市政工程有限公司", "公安县**市政工程有限公司"),
    ("公安县城关红星农机专业合作社", "公安县****农机专业合作社"),
    # 个体工商户 named after the owner: the owner's name is masked as a person's.
    ("张三个体工商户", "张*个体工商户"),
    ("李四（个体工商户）", "李*（个体工商户）"),
    ("公安县斗湖堤镇欧阳娜娜个体工商户", "公安县斗湖堤镇欧阳**个体工商户"),
    # A region part that leaves no trade name behind is the trade name.
    ("公安县商贸有限公司", "***商贸有限公司"),
    ("荆州市公安县埠河镇天心眼村养殖专业合作社", "荆州市公安县埠河镇****养殖专业合作社"),
    ("公安县王金镇餐馆", "公安县***餐馆"),
    # Nothing but industry and form words: the innermost word is hidden.
    ("商贸有限公司", "**有限公司"),
]

NUMBERS = [
    # kind, value, masked
    ("id", "420123199001011234", "4***************34"),
    ("id", "42012319900101123X", "4***************3X"),
    ("id", "420123900101123", "4************23"),  # old 15-digit ID
    ("id", "91420000MA4K1234X5", "9***************X5"),  # 统一社会信用代码
    ("id", "123456", "****56"),  # short: at least four hidden
    ("id", "1234", "****"),
    ("id", "1", "*"),
    ("phone", "13812345678", "138****5678"),
    ("phone", "027-87654321", "027-****4321"),  # landline with area code
    ("phone", "0716-5221234", "071*-***1234"),
    ("phone", "(027)87654321", "(027)****4321"),
    ("phone", "87654321", "8****321"),  # without area code: still four hidden
    ("phone", "12345", "****5"),
    ("phone", 13812345678, "138****5678"),  # stored as a number
    ("phone", 13812345678.0, "138****5678"),
    ("account", "6222021234567890123", "622202*********0123"),
    ("account", "6222 0212 3456 7890", "6222 02** **** 7890"),
    ("account", "1234567890", "123****890"),
    ("account", "12345678901", "1234****901"),  # short: four hidden, ends shortened
]


@pytest.mark.parametrize(("value", "masked"), PERSON_NAMES)
def test_person_names(value, masked):
    assert masking.mask_value("person", value) == masked
    assert masking.mask_value("name", value) == masked


@pytest.mark.parametrize(("value", "masked"), BUSINESS_NAMES)
def test_business_names(value, masked):
    assert masking.mask_value("name", value) == masked


@pytest.mark.parametrize(("kind", "value", "masked"), NUMBERS)
def test_numbers(kind, value, masked):
    assert masking.mask_value(kind, value) == masked


@pytest.mark.parametrize(
    ("kind", "value"),
    [(k, v) for k, v, _ in NUMBERS] + [("name", v) for v, _ in PERSON_NAMES + BUSINESS_NAMES],
)
def test_masking_twice_changes_nothing(kind, value):
    once = masking.mask_value(kind, value)
    assert masking.mask_value(kind, once) == once
    assert len(once) == len(str(int(value)) if isinstance(value, (int, float)) else value)


def test_idempotent_on_generated_names():
    rng = random.Random(42)
    regions = ["", "公安县", "荆州市", "湖北省荆州市公安县", "埠河镇", "湖北", "公安县斗湖堤镇", "中国"]
    cores = ["", "宏达", "鑫源", "张记", "老王", "城区", "新市", "王金镇", "欧阳娜娜", "ABC", "张三", "司马"]
    words = ["", "商贸", "建材", "五金", "科技发展", "农机", "市场", "（公安）", "汽车运输"]
    forms = [
        "有限公司",
        "店",
        "餐馆",
        "专业合作社",
        "个体工商户",
        "",
        "超市",
        "（个体工商户）",
        "市",
        "城",
        "分公司",
        "队",
    ]
    for _ in range(3000):
        name = rng.choice(regions) + rng.choice(cores) + rng.choice(words) + rng.choice(forms)
        if not name:
            continue
        once = masking.mask_value("name", name)
        assert masking.mask_value("name", once) == once, name
        assert "*" in once, name
        assert len(once) == len(name)


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, "", "   "])
@pytest.mark.parametrize("kind", ["name", "person", "business", "id", "phone", "account", "text"])
def test_missing_and_blank_pass_through(kind, value):
    result = masking.mask_value(kind, value)
    if isinstance(value, float):
        assert isinstance(result, float) and math.isnan(result)
    else:
        assert result is value or result == value


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="未知的脱敏类型"):
        masking.mask_value("salary", "123")


def test_rules_come_from_settings(monkeypatch):
    monkeypatch.setenv("PUHUI_MASK_KEEP_PHONE", "3,2")
    assert masking.mask_value("phone", "13812345678") == "138******78"
    monkeypatch.setenv("PUHUI_MASK_KEEP_ID", "6,4")
    assert masking.mask_value("id", "420123199001011234") == "420123********1234"


def test_mask_text_finds_numbers_in_free_text():
    text = (
        "第 5 行：证件号码420123199001011234与联系电话13812345678不符；"
        "旧证 420123900101123，信用代码91420000MA4K1234X5，卡号6222021234567890123，"
        "座机027-87654321，手机 +86 138 1234 5678；金额 123456.78 元，客户号 C000123，月份 2026-10"
    )
    masked = masking.mask_text(text)
    assert masked == (
        "第 5 行：证件号码4***************34与联系电话138****5678不符；"
        "旧证 4************23，信用代码9***************X5，卡号622202*********0123，"
        "座机027-****4321，手机 +86 1** **** 5678；金额 123456.78 元，客户号 C000123，月份 2026-10"
    )
    assert masking.mask_text(masked) == masked
    assert not re.search(r"\d{15}|1[3-9]\d{9}", masked)


def test_mask_text_with_known_names():
    text = "客户“公安县宏达商贸有限公司”（法人张三）金额不是数字"
    masked = masking.mask_text(text, names=["公安县宏达商贸有限公司", "张三"])
    assert masked == "客户“公安县**商贸有限公司”（法人张*）金额不是数字"
    assert masking.mask_text(None) is None


def test_mask_frame_by_column_name():
    frame = pd.DataFrame(
        {
            "customer_id": ["C01", "C02", "C03"],
            "customer_name": ["公安县宏达商贸有限公司", "张三", None],
            "customer_kind": ["小微企业", "个人", "个人"],
            "manager_name": ["李经理", "王建城", "欧阳娜娜"],
            "phone": ["13812345678", None, "027-87654321"],
            "id_number": ["420123199001011234", "420123900101123", float("nan")],
            "account_no": ["6222021234567890123", None, None],
            "remark": ["客户电话13912345678", "无", None],
            "deposits": [1.5, -2.0, None],
        }
    )
    masked = masking.mask_frame(frame)
    assert masked["customer_name"].tolist()[:2] == ["公安县**商贸有限公司", "张*"]
    assert masked["customer_name"].isna().tolist() == [False, False, True]
    assert masked["manager_name"].tolist() == ["李经理", "王建城", "欧阳娜娜"]  # employees stay
    assert masked["phone"].tolist()[0] == "138****5678"
    assert masked["phone"].tolist()[2] == "027-****4321"
    assert masked["id_number"].tolist()[:2] == ["4***************34", "4************23"]
    assert masked["account_no"].tolist()[0] == "622202*********0123"
    assert masked["remark"].tolist()[:2] == ["客户电话139****5678", "无"]
    # Customer numbers keep their ends (setting mask_keep_customer, 2,2); short ones hide at least four characters.
    assert masked["customer_id"].tolist() == ["***", "***", "***"]
    assert masking.mask_frame(pd.DataFrame({"客户号": ["4210416400123"]}))["客户号"].tolist() == ["42*********23"]
    assert masked["deposits"].tolist()[:2] == [1.5, -2.0]
    assert frame["customer_name"].tolist()[0] == "公安县宏达商贸有限公司"  # a copy, not in place
    assert masking.mask_frame(masked).equals(masked)


def test_mask_frame_uses_customer_kind_for_people():
    # Four characters ending in 城 read as a business name unless the kind says 个人.
    frame = pd.DataFrame({"customer_name": ["李文建城", "李文建城"], "customer_kind": ["个人", None]})
    masked = masking.mask_frame(frame)["customer_name"].tolist()
    assert masked == ["李***", "***城"]


def test_mask_frame_chinese_headers():
    frame = pd.DataFrame(
        {
            "客户名称": ["公安县宏达商贸有限公司"],
            "联系电话": ["13812345678"],
            "证件号码": ["420123199001011234"],
            "统一社会信用代码": ["91420000MA4K1234X5"],
            "户名": ["张三"],
            "卡号": ["6222021234567890123"],
            "客户经理": ["王建国"],
            "候选客户": ["张三、公安县宏达商贸有限公司"],
        }
    )
    row = masking.mask_frame(frame).iloc[0].to_dict()
    assert row == {
        "客户名称": "公安县**商贸有限公司",
        "联系电话": "138****5678",
        "证件号码": "4***************34",
        "统一社会信用代码": "9***************X5",
        "户名": "张*",
        "卡号": "622202*********0123",
        "客户经理": "王建国",
        "候选客户": "张*、公安县**商贸有限公司",
    }


def test_mask_frame_none_and_empty():
    assert masking.mask_frame(None) is None
    empty = pd.DataFrame({"customer_name": pd.Series([], dtype=object)})
    assert masking.mask_frame(empty).empty


def test_training_mode_switch(monkeypatch):
    monkeypatch.delenv("PUHUI_TRAINING_MODE", raising=False)
    assert masking.is_training() is False
    assert masking.training_forced() is False
    monkeypatch.setenv("PUHUI_TRAINING_MODE", "1")
    assert masking.is_training() is True
    assert masking.training_forced() is True
    monkeypatch.setenv("PUHUI_TRAINING_MODE", "0")
    assert masking.is_training() is False


def test_employee_names_masked_only_when_the_setting_asks(monkeypatch):
    frame = pd.DataFrame({"manager_name": ["欧阳娜娜"], "customer_name": ["王建国"]})
    assert masking.mask_frame(frame)["manager_name"].tolist() == ["欧阳娜娜"]
    monkeypatch.setenv("PUHUI_MASK_EMPLOYEE_NAMES", "1")
    masked = masking.mask_frame(frame)
    assert masked["manager_name"].tolist() == ["欧阳**"] and masked["customer_name"].tolist() == ["王**"]
