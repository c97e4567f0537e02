"""Alert delivery: ``cloudctl alerts relay`` turns Alertmanager webhooks into DingTalk (钉钉) robot messages.

Alertmanager routes the alerts (``agents/alertmanager/alertmanager.yml``) and reaches 企业微信 and
e-mail itself; it has no DingTalk receiver, so its webhooks for DingTalk go to this relay, which
signs, rate-limits, batches and retries the robot messages. The parts:

- :mod:`.config`   ``relay.yaml``: robots (secret references), DingTalk settings, limits
- :mod:`.payload`  the Alertmanager webhook (version 4) parsed and checked
- :mod:`.places`   node → village / township / county names from the inventory
- :mod:`.message`  the Chinese markdown message for a batch of notifications
- :mod:`.dingtalk` the signed robot request and the reading of DingTalk's answer (errcode)
- :mod:`.lane`     one robot's queue: rate window, batching, retries with backoff
- :mod:`.metrics`  the relay's own ``/metrics``
- :mod:`.server`   the HTTP endpoints; :mod:`.service` start-up and graceful shutdown
"""
