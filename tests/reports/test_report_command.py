"""atiende report: every report in every format, and clear errors for bad names, dates and formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.cli import main
from atiende.desk.models import Customer, SatisfactionSurvey, WorkOrder
from atiende.reports.core.catalogue import REPORTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered_survey(db):
    customer = Customer.objects.create(name="Carmen")
    work_order = WorkOrder.objects.create(number=7, title="Impresora", customer=customer, channel="email")
    return SatisfactionSurvey.objects.create(work_order=work_order, token="abc", answered_at=timezone.now(),
                                             rating=2, resolved=False, comment="Tardaron tres días")


def run(capsysbinary, *args):
    code = main(["report", *args])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def test_list_names_every_report_first_on_its_line(capsys):
    assert main(["report", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == list(REPORTS)
    assert all(len(line.split("\t")[1]) > 10 for line in lines)


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_writes_csv_and_json(name, capsysbinary, answered_survey):
    today = timezone.localdate().isoformat()
    code, out, err = run(capsysbinary, name, "--from", today, "--to", today, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["report"] == name and data["from"] == today and data["sections"]
    code, out, err = run(capsysbinary, name, "--from", today, "--to", today, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig"))))
    assert rows[0][0].startswith(name)


def test_satisfaction_as_xlsx_and_pdf_files(tmp_path, capsysbinary, answered_survey):
    from openpyxl import load_workbook

    today = timezone.localdate()
    target = tmp_path / "satisfaccion.xlsx"
    code, _out, err = run(capsysbinary, "satisfaction", "--from", (today - timedelta(days=6)).isoformat(),
                          "--to", today.isoformat(), "--format", "xlsx", "--output", str(target))
    assert code == 0, err
    book = load_workbook(target)
    comments = book[book.sheetnames[-1]]
    values = [[c.value for c in row] for row in comments.iter_rows()]
    assert ["Tardaron tres días" in (row or []) for row in values].count(True) == 1
    pdf = tmp_path / "satisfaccion.pdf"
    code, _out, err = run(capsysbinary, "satisfaction", "--from", today.isoformat(), "--to", today.isoformat(),
                          "--format", "pdf", "--output", str(pdf))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(("args", "says"), [
    (["nonsense", "--from", "2026-12-01", "--to", "2026-12-07"], "No such report: nonsense"),
    (["calls", "--from", "2026-13-01", "--to", "2026-12-07"], "YYYY-MM-DD"),
    (["calls", "--from", "2026-12-07", "--to", "2026-12-01"], "before it starts"),
    (["calls", "--from", "2026-12-01", "--to", "2026-12-07", "--format", "docx"], "csv, xlsx, pdf, json"),
    (["calls", "--from", "2026-12-01", "--to", "2026-12-07", "--team", "Nadie"], "No such team: Nadie"),
    (["calls", "--from", "2026-12-01", "--to", "2026-12-07", "--channel", "fax"], "'fax'"),
    (["calls"], "--from"),
])
def test_bad_input_is_a_clear_error_with_exit_2(args, says, capsysbinary):
    code, out, err = run(capsysbinary, *args, "--language", "en")
    assert code == 2 and out == b""
    assert says in err and "Traceback" not in err


def test_errors_are_in_spanish_by_default(capsysbinary):
    code, _out, err = run(capsysbinary, "nonsense", "--from", "2026-12-01", "--to", "2026-12-07")
    assert code == 2 and "No existe el informe" in err
