"""The public site: pages, feeds, the calendar, badges and the sitemap, read-only."""
