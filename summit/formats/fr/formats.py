# One way to write a date in French across the site, the admin included: "20 novembre 2026",
# "20 novembre 2026 à 15:55", never "20/11/2026" beside it (issue #27). Only how dates are shown
# changes: what forms accept stays Django's.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = r"j F Y \à H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
