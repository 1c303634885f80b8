"""Chinese names of audit actions, for the auditor's pages and the CSV export.
An action without a name here is shown by its code."""

ACTION_LABELS = {
    "auth.login": "登录成功",
    "auth.password_ok": "密码验证通过",
    "auth.login_failed": "登录失败",
    "auth.login_denied": "锁定期间拒绝登录",
    "auth.lock": "锁定",
    "auth.unlock": "解除锁定",
    "auth.logout": "退出登录",
    "auth.logout_all": "退出全部登录",
    "auth.session_expired": "会话超时结束",
    "auth.password_change": "修改密码",
    "auth.otp_enrolled": "启用双因素认证",
    "auth.otp_failed": "动态验证码错误",
    "auth.otp_disabled": "关闭双因素认证",
    "auth.otp_reset": "重置双因素认证",
    "account.create": "新建账号",
    "account.update": "修改账号信息",
    "account.permission_change": "权限变更",
    "account.password_issued": "重置密码",
    "account.admin_created": "创建管理员账号",
    "security.policy_change": "修改安全策略",
    "audit.export": "导出审计记录",
    "audit.archive": "归档审计记录",
    "plan.import": "导入方案",
    "plan.revise": "修订方案",
    "plan.download_source": "下载方案原件",
    "task.add": "新增任务",
    "task.revise": "修改任务",
    "task.withdraw": "撤销任务",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)
