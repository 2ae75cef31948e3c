"""The official central e-mail, by seed 004's rules — its right and wrong examples as they are."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuaton.organisations.central_email import EmailProblem, check_central_email


@pytest.mark.parametrize("address", [
    "saraban_06480115@dla.go.th",          # DLA issues it: saraban_ + the 8-digit local-government code
    "saraban-photan@lgo.mail.go.th",       # DGA issues it: saraban- + the English name
    "saraban@songkhcity.go.th",            # the body's own domain
    "saraban@opdc.go.th", "saraban@chula.ac.th", "saraban@dga.or.th", "saraban@tdc.mi.th",
    " Saraban@Songkhcity.go.th ",          # case and spaces do not matter
])
def test_the_seeds_right_examples_are_accepted(address):
    assert check_central_email(address) == address.strip().lower()


@pytest.mark.parametrize(("address", "why"), [
    ("saraband_06320205@dla.go.th", "not spelled saraban"),          # มีตัว d เกิน
    ("Sarabun_06770206@dla.go.th", "not spelled saraban"),           # สะกด saraban ผิด
    ("saraban_6820101@dla.go.th", "8-digit"),                        # รหัสไม่ครบ 8 หลัก
    ("4520101@dla.go.th", "is saraban@"),                            # ไม่มีคำว่า saraban
    ("saraban_06440905@dia.go.th", "mistyped"),                      # พิมพ์ชื่อ domain ผิด
    ("admin@eservice-ktb.go.th", "is saraban@"),                     # ไม่ถูกต้องตามระเบียบฯ
    ("thungsong103@gmail.com", "free private mail"),                 # อีเมลเอกชน ไม่ใช่ domain ภาครัฐ
    ("saraban@songkhcity.com", "not a government domain"),
    ("saraban@outlook.co.th", "free private mail"),
    ("saraban@dla.go.th", "code or name"),
    ("saraban-photan@photan.go.th", "lgo.mail.go.th"),
    ("not an address", "not an e-mail address"),
])
def test_the_seeds_wrong_examples_are_refused_saying_why(address, why):
    with pytest.raises(EmailProblem) as refused:
        check_central_email(address)
    assert why in refused.value.en and refused.value.th


def test_a_company_may_use_its_own_domain_but_not_free_mail():
    assert check_central_email("it@company.co.th", government=False) == "it@company.co.th"
    with pytest.raises(EmailProblem, match="free private mail"):
        check_central_email("company@hotmail.com", government=False)


@given(st.emails())
def test_any_address_is_accepted_only_at_a_government_domain_as_saraban(address):
    try:
        accepted = check_central_email(address)
    except EmailProblem as exc:
        assert exc.en and exc.th
    else:
        local, domain = accepted.split("@")
        assert domain.endswith((".go.th", ".or.th", ".ac.th", ".mi.th")) and local.startswith("saraban")
