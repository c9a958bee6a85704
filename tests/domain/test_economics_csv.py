"""Reading accounts' figures from CSV: every row read, every bad cell named with its line,
nothing taken for granted (another team's account, a repeated row, a future date)."""

from __future__ import annotations

from datetime import date

from portal.domain.economics_csv import MAX_ROWS, parse

TODAY = date(2026, 12, 4)
ACCOUNTS = {"Northwind Traders": 1, "Blue Harbor": 2}


def test_a_good_file_reads_every_figure():
    text = (
        "\ufeffAccount,Yearly revenue,gross_margin,order_volume,customer_since,renewal_on\n"
        'northwind traders ,"1,200,000",34.5%,240,2019-03-01,2027-04-01\n'
        "Blue Harbor,80000,,12,,\n"
    )
    parsed = parse(text, ACCOUNTS, TODAY)
    assert parsed.ok and [r.account_id for r in parsed.rows] == [1, 2]
    assert parsed.rows[0].figures == {
        "yearly_revenue": 1_200_000,
        "gross_margin": 34.5,
        "order_volume": 240,
        "customer_since": date(2019, 3, 1),
        "renewal_on": date(2027, 4, 1),
    }
    assert parsed.rows[1].figures == {"yearly_revenue": 80_000, "order_volume": 12}  # blanks kept


def test_each_bad_cell_is_named_on_its_line():
    text = (
        "account,yearly_revenue,gross_margin,customer_since\n"
        "Northwind Traders,lots,140,2019-02-30\n"
        "Southwind,1,1,2019-01-01\n"
        "Blue Harbor,1,1,2030-01-01\n"
        "northwind traders,1,1,2019-01-01\n"
        ",1,1,\n"
    )
    parsed = parse(text, ACCOUNTS, TODAY)
    assert not parsed.ok
    assert [(r.line, r.errors) for r in parsed.rows] == [
        (
            2,
            [
                "yearly revenue: “lots” is not a whole number",
                "gross margin: 140 is not between -100 and 100",
                "customer since: “2019-02-30” is not a date like 2019-03-01",
            ],
        ),
        (3, ["no account “Southwind” in this team"]),
        (4, ["customer since: 2030-01-01 is in the future"]),
        (5, ["the same account as line 2"]),
        (6, ["no account name"]),
    ]


def test_the_file_itself_can_be_wrong():
    assert parse("name,revenue\nA,1\n", ACCOUNTS, TODAY).problems[0].startswith("The first row")
    assert parse("", ACCOUNTS, TODAY).problems
    assert parse("account,yearly_revenue\n", ACCOUNTS, TODAY).problems == [
        "The file has a header but no rows."
    ]
    extra = parse("account,yearly_revenue,colour\nBlue Harbor,1,red\n", ACCOUNTS, TODAY)
    assert extra.problems == ["Unknown columns: colour."] and not extra.ok
    huge_cell = 'account,yearly_revenue\n"' + "x" * 200_000 + '",1\n'
    assert "not a CSV file" in parse(huge_cell, ACCOUNTS, TODAY).problems[0]


def test_a_huge_file_is_refused_not_half_read():
    text = "account,order_volume\n" + "Blue Harbor,1\n" * (MAX_ROWS + 5)
    parsed = parse(text, ACCOUNTS, TODAY)
    assert len(parsed.rows) == MAX_ROWS and not parsed.ok
    assert parsed.problems == [f"At most {MAX_ROWS:,} rows at a time: split the file."]


def test_an_unquoted_number_with_commas_is_an_error_not_a_smaller_number():
    parsed = parse("account,yearly_revenue\nBlue Harbor,1,200,000\n", ACCOUNTS, TODAY)
    [row] = parsed.rows
    assert not parsed.ok and "quote numbers with commas" in row.errors[0]


def test_repeated_columns_names_shared_by_two_accounts_and_lines_that_span():
    assert parse(
        "account,order_volume,order_volume\nBlue Harbor,1,2\n", ACCOUNTS, TODAY
    ).problems == ["Columns named twice: order_volume."]
    twins = parse("account,order_volume\nacme,1\n", {"Acme": 1, "ACME": 2}, TODAY)
    assert twins.rows[0].errors == ["two accounts are called “acme”: rename one first"]
    spanning = parse('account,order_volume\n"Blue\nHarbor",1\nNope,2\n', ACCOUNTS, TODAY)
    assert [r.line for r in spanning.rows] == [2, 4]
