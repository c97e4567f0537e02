"""Messages of the cloud simulators (keys start with 'sim_cloud.')."""

MESSAGES: dict[str, dict[str, str]] = {
    "sim_cloud.ready": {
        "zh": "ready：{urls}；共 {servers} 台虚拟机，启动用时 {seconds} 秒",
        "en": "ready: {urls}; {servers} servers, started in {seconds} s",
    },
    "sim_cloud.config_written": {
        "zh": "指向模拟器的配置已写入 {path}（权限 0600）",
        "en": "config pointing at the simulators written to {path} (mode 0600)",
    },
    "sim_cloud.no_inventory": {
        "zh": "未找到 `./inventory`，数据集不含清单中的系统（可用 --inventory DIR 指定）",
        "en": "no ./inventory found; the dataset has no inventory systems (pass --inventory DIR)",
    },
    "sim_cloud.stopped": {"zh": "云模拟器已停止", "en": "cloud simulators stopped"},
}
