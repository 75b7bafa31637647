"""The upload page's frames and messages (puhui.upload_view) and the app's masking point for
frames that do not come from a query (ui.Context.mask / mask_text)."""

from __future__ import annotations

import pandas as pd

from puhui import masking, store, ui
from puhui import upload_view as view

PHONE_FILE = "城东支行_经办13812345678_管户明细.xlsx"


def test_context_masks_only_in_training_mode():
    frame = pd.DataFrame({"customer_name": ["张三丰"], "备注": ["电话 13812345678"], "loans": [1.0]})
    plain = ui.Context(con=None, db_path=None, month=None, branch=None, training=False)
    training = ui.Context(con=None, db_path=None, month=None, branch=None, training=True)
    assert plain.mask(frame) is frame and plain.mask_text(PHONE_FILE) == PHONE_FILE
    masked = training.mask(frame)
    assert masked["customer_name"].tolist() == [masking.mask_name("张三丰")] != ["张三丰"]
    assert masked["备注"].tolist() == ["电话 138****5678"] and masked["loans"].tolist() == [1.0]
    assert training.mask_text(PHONE_FILE) == "城东支行_经办138****5678_管户明细.xlsx"


def test_slots_once_per_slot_with_merges_and_unchanged():
    first = store.SlotChange("customers", "2026-11", "城东支行", 10, 12, ["a.xlsx", "b.xlsx"], "替换")
    again = store.SlotChange("customers", "2026-11", "城东支行", 10, 12, ["a.xlsx", "b.xlsx"], "替换")
    same = store.SlotChange("targets", "2026", "", 3, 3, ["t.xlsx"], "相同")
    frame = view.slots_frame([{"slots": [first]}, {"slots": [again, same]}])
    assert frame.values.tolist() == [
        ["管户明细", "2026-11", "城东支行", 10, 12, "替换（多个文件合并）", "a.xlsx、b.xlsx"],
        ["目标", "2026年", store.WHOLE_LINE, 3, 3, "未改动（内容相同）", "t.xlsx"],
    ]


def test_result_messages_mask_file_names_through_the_callable():
    result = {
        "file": PHONE_FILE,
        "sheet": "Sheet1",
        "table": "customers",
        "months": ["2026-11"],
        "branches": ["城东支行"],
        "rows": 12,
        "replaced": 10,
        "dropped": {"合计行": 1, "空行": 0},
        "ingest_id": 7,
        "batch_id": 3,
        "merged_with": ["b_13912345678.xlsx"],
    }
    messages = view.result_messages([result], masking.mask_text)
    assert [kind for kind, _ in messages] == ["success", "success"]
    text = messages[1][1]
    assert "138****5678" in text and "139****5678" in text and "13812345678" not in text
    assert "共 12 行（替换原有 10 行，剔除 合计行 1 行" in text and "导入编号 7" in text
    assert "批次 3" in messages[0][1]
    unchanged = view.result_messages([{**result, "unchanged": True, "batch_id": None}], str)
    assert unchanged == [
        ("info", f"{PHONE_FILE} · Sheet1：管户明细 2026-11 与已导入的内容相同，未作改动（导入编号 7）。")
    ]


def test_history_frame_labels_times_and_masked_file_names():
    history = pd.DataFrame(
        {
            "table_name": ["customers", "unknown"],
            "file_name": [PHONE_FILE, "x.csv"],
            "ingested_at": [pd.Timestamp("2026-11-30 08:05:09"), pd.Timestamp("2026-11-30 09:00:00")],
            "undone_at": [None, pd.Timestamp("2026-12-01 10:00:00")],
        }
    )
    shown = view.history_frame(history, masking.mask_text)
    assert shown["table_name"].tolist() == ["管户明细", "unknown"]
    assert shown["file_name"].tolist()[0] == "城东支行_经办138****5678_管户明细.xlsx"
    assert shown["ingested_at"].tolist()[0] == "2026-11-30 08:05:09"
    assert shown["status"].tolist() == ["有效", "已撤销"]


def test_coverage_warnings_name_the_missing_sub_branches():
    grid = pd.DataFrame(
        {
            "period": ["2026-11", "2026-10"],
            "have": [1, 2],
            "expected": [2, 2],
            "甲支行": ["✓ 5", "✓ 4"],
            "乙支行": ["缺", "✓ 3"],
        }
    )
    assert view.coverage_warnings(grid, "customers") == [
        "2026-11 只有 1 / 2 个支行的管户明细，缺：乙支行。各页面默认显示最近一个完整的月份。"
    ]
    assert list(view.coverage_columns(grid)) == ["period", "have", "expected", "甲支行", "乙支行"]
    assert view.coverage_tables()[0] == "customers"
