"""ketamine-faq-bot: answers visitors only by quoting vetted, cited passages."""
