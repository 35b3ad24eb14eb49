package i18n

func init() { register(uiMessages) }

// uiMessages are the admin UI's texts for managing users, the demo and
// the page feedback (flash messages, confirmations, empty states).
var uiMessages = []entry{
	{"ui.published", "Published.", "已发布。"},
	{"ui.deleted", "Deleted.", "已删除。"},
	{"ui.you", "you", "本人"},
	{"ui.manage", "Manage", "管理"},
	{"ui.danger_zone", "Careful", "危险操作"},
	{"users.manage", "User %s", "用户 %s"},
	{"users.back", "Back to the users", "返回用户列表"},
	{"users.change_role", "Change role", "修改角色"},
	{"users.set_permissions", "Save permissions", "保存权限"},
	{"users.reset_password", "Reset password", "重置密码"},
	{"users.new_password", "New password", "新密码"},
	{"users.reset_help", "The user is signed out everywhere and signs in with the new password.", "该用户将在所有设备上退出登录，需使用新密码重新登录。"},
	{"users.password_reset", "Password reset; the user was signed out everywhere.", "密码已重置，该用户已在所有设备上退出登录。"},
	{"users.disable", "Disable user", "停用用户"},
	{"users.enable", "Enable user", "启用用户"},
	{"users.delete", "Delete user", "删除用户"},
	{"users.confirm_delete", "Delete this user? What they published or imported stays, without their name.", "确定删除该用户吗？其发布或导入的内容会保留，但不再显示其姓名。"},
	{"users.confirm_disable", "Disable this user? They are signed out at once.", "确定停用该用户吗？该用户将立即退出登录。"},
	{"users.self_note", "This is your own account: another admin changes its role and permissions.", "这是您本人的账号：角色和权限需由其他管理员修改。"},
	{"users.grant_note", "Only a user who holds “%s” can grant it. Ask an admin who has it, or the operator.", "只有拥有“%s”权限的用户才能授予该权限。请联系拥有该权限的管理员，或由运营管理员授予。"},
	{"users.first_admin", "First admin (optional)", "首个租户管理员（可选）"},
	{"users.first_admin_help", "Creates the tenant's first admin with it, so someone can sign in. You can add users on the tenant's page later.", "同时创建该租户的首个管理员，以便有人能够登录。之后也可以在租户页面添加用户。"},
	{"tenants.users", "Users of this tenant", "该租户的用户"},
	{"tenants.no_users", "No user yet: add the tenant's first admin below, so someone can sign in.", "还没有用户：请在下方添加该租户的首个管理员，以便有人能够登录。"},
	{"tenants.back", "Back to the tenants", "返回租户列表"},
	{"user.not_self", "You cannot change your own role, permissions or status; ask another admin.", "不能修改本人的角色、权限或状态，请联系其他管理员。"},
	{"user.grant_unheld", "Only a user who holds the %q permission can grant it.", "只有拥有 %q 权限的用户才能授予该权限。"},
	{"data.reveal_how", "Masked values stay masked for you: the “Reveal masked values” permission shows them in clear. Ask an admin who holds it to grant it under Settings → Users.", "您看到的是脱敏后的值：拥有“查看脱敏字段明文”权限才能查看原值。请联系拥有该权限的管理员在“设置 → 用户”中为您授予。"},
}
