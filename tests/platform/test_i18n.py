"""zh-CN first: every message id has a translation; the catalog is well-formed."""

import re

from grants import i18n
from grants.i18n_tools import extract, missing, translated


def test_every_message_has_a_zh_cn_translation():
    gaps = missing("zh_CN")
    listed = "\n".join(f"{where[0]}: {msgid}" for msgid, where in sorted(gaps.items()))
    assert not gaps, f"{len(gaps)} message(s) lack a zh_CN translation:\n{listed}"


def test_extraction_finds_messages_in_code_and_templates():
    found = extract()
    assert "Log in" in found
    assert any(w.startswith("templates/") for w in found["Log in"])
    assert any(w.startswith("grants/") for ws in found.values() for w in ws)


def test_translations_keep_their_placeholders():
    placeholder = re.compile(r"%\(\w+\)s")
    catalog = translated("zh_CN")
    wrong = [m for m, t in catalog.items()
             if sorted(placeholder.findall(m)) != sorted(placeholder.findall(t))]
    assert wrong == []


def test_locales_are_picked_from_the_browser():
    assert i18n.pick_from_accept_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert i18n.pick_from_accept_language("en-GB,en;q=0.9") == "en"
    assert i18n.pick_from_accept_language("fr-FR") is None


def test_lists_are_joined_as_the_language_writes_them():
    from grants.i18n import current_locale, join_list

    marker = current_locale.set("zh_CN")
    try:
        assert join_list(["南山社区", "粤海社区"]) == "南山社区、粤海社区"
    finally:
        current_locale.reset(marker)
    marker = current_locale.set("en")
    try:
        assert join_list(["Nanshan", "Yuehai"]) == "Nanshan, Yuehai"
    finally:
        current_locale.reset(marker)


def test_error_pages_speak_chinese(zh_client, session):
    page = zh_client.get("/no-such-page")
    assert page.status_code == 404
    assert "页面不存在" in page.text and "Page not found" not in page.text
    assert "此地址没有内容" in page.text


def test_problems_returned_as_msgids_reach_chinese_users_in_chinese():
    """Credit-code and password problems are returned as msgids and translated where shown:
    each must be in the catalog (they once were not, and reached users in English)."""
    from grants import i18n
    from grants.auth import password_problem
    from grants.organisations import credit_code

    found = {credit_code.problem("123"), credit_code.problem("91440300MA5FXXXXXI"),
             credit_code.problem("91440300MA5F00000X"), password_problem("short"),
             password_problem("x" * 300), password_problem("onlyletterslong")}
    assert None not in found and len(found) == 6
    token = i18n.current_locale.set("zh_CN")
    try:
        for msgid in found:
            assert msgid is not None
            text = i18n.gettext(msgid)
            assert text != msgid and any("\u4e00" <= ch <= "\u9fff" for ch in text), msgid
    finally:
        i18n.current_locale.reset(token)


def test_amounts_and_lists_read_as_each_language_writes_them(client, zh_client, session):
    """English pages quote ¥10,000 and join with commas; Chinese ones 1万元 and 、."""
    from tests.applications import factories as af

    rnd = af.round_(session)
    user = af.applicant(session)
    session.commit()
    for c in (client, zh_client):
        c.login(user.username)
    english = client.get("/rounds/open").text
    chinese = zh_client.get("/rounds/open").text
    assert "万元" not in english and "、" not in english.split('id="main"')[1]
    assert "为老服务, 青少年" in english and "¥" in english
    assert "为老服务、青少年" in chinese and "万元" in chinese
    assert rnd.id


def test_no_message_writes_its_plural_as_parenthesised_s():
    """"1 application(s)" reads badly in English: a count uses ngettext, or the sentence is
    built so that no plural is needed ("Reports waiting: 3")."""
    found = sorted(m for m in extract() if re.search(r"\w\(s\)", m))
    assert found == []
