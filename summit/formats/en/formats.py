# One way to write a date in English across the site, the admin included: "20 November 2026",
# "20 November 2026, 15:55". Django's own ("Nov. 20, 2026", "12/06/2026 3:55 p.m.") mixed two styles,
# and a day-first reader takes 12/06 for June (issue #27). Only how dates are shown changes: what
# forms accept stays Django's.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
