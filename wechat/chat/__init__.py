"""The Official Account chat: one module per topic, each a few `on_<thing>` handlers.

A command handler is `(message, member, args) -> Reply`, a conversation step
`(message, member, data) -> Reply`; wechat.commands, wechat.router and
wechat.text_route hold the tables that pick them."""
