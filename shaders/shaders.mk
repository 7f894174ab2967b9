# shaders/shaders.mk - included by the Makefile: compiles shaders/*.comp
# into SPIR-V with glslc and embeds every variant in one object.
#
# A variant is <name>: source shaders/<src>.comp plus -D defines. Each
# variant gives $(BUILD)/shaders/<name>.spv (checked with spirv-val when it
# is installed), its depfile <name>.d (so editing a .comp or an included
# .glsl rebuilds exactly the variants that use it) and <name>.inc (the words
# as C). $(BUILD)/shaders/gb-spirv.c includes every .inc and holds the table
# bench/vulkan/vk-spirv.h declares; its object goes into SHADER_OBJ. Without glslc
# the table is empty and the vulkan executor says why it cannot run.
#
# Whether glslc is there is decided when make reads this file, every time;
# $(SHADER_DIR)/config.stamp records the decision (glslc's path and version,
# its flags, spirv-val or none) and is rewritten only when it changes. The
# SPIR-V and the table depend on it, so a tree built without glslc gets its
# shaders from a plain `make` once glslc is installed, and only the shaders,
# the table and the link are redone. The message about it is printed when
# the stamp changes: once, and only when it is true.

GLSLC     ?= glslc
SPIRV_VAL ?= spirv-val
GLSLC_FLAGS ?= --target-env=vulkan1.2 -O
HAVE_GLSLC := $(shell command -v $(GLSLC) 2>/dev/null)
HAVE_SPIRV_VAL := $(shell command -v $(SPIRV_VAL) 2>/dev/null)

# name : source : defines (comma-separated), one list per op family
# (bench/vulkan/ops-*.c choose among them).
GB_SHADERS_MATMUL := \
	matmul_f32:matmul:QUANT_F32 \
	matmul_f16:matmul:QUANT_F16 \
	matmul_q8:matmul:QUANT_Q8 \
	matmul_q4:matmul:QUANT_Q4 \
	matmul_vec_f32:matvec:QUANT_F32 \
	matmul_vec_f16:matvec:QUANT_F16 \
	matmul_vec_q8:matvec:QUANT_Q8 \
	matmul_vec_q4:matvec:QUANT_Q4 \
	matmul_vecsg_f32:matvec:QUANT_F32,GB_SUBGROUP \
	matmul_vecsg_f16:matvec:QUANT_F16,GB_SUBGROUP \
	matmul_vecsg_q8:matvec:QUANT_Q8,GB_SUBGROUP \
	matmul_vecsg_q4:matvec:QUANT_Q4,GB_SUBGROUP \
	matmul_tiled_f32:matmul_tiled:QUANT_F32 \
	matmul_tiled_f16:matmul_tiled:QUANT_F16 \
	matmul_tiled_q8:matmul_tiled:QUANT_Q8 \
	matmul_tiled_q4:matmul_tiled:QUANT_Q4 \
	matmul_tiled4_f32:matmul_tiled:QUANT_F32,GB_TILED_V4 \
	matmul_tiled4_f16:matmul_tiled:QUANT_F16,GB_TILED_V4 \
	matmul_tiled4_q8:matmul_tiled:QUANT_Q8,GB_TILED_V4 \
	matmul_tiled4_q4:matmul_tiled:QUANT_Q4,GB_TILED_V4 \
	matmul_cm_f16:matmul_cm:QUANT_F16 \
	matmul_cm_q8:matmul_cm:QUANT_Q8 \
	matmul_cm_q4:matmul_cm:QUANT_Q4 \
	matmul_cmemu_f16:matmul_cm:QUANT_F16,GB_CM_EMULATE \
	matmul_cmemu_q8:matmul_cm:QUANT_Q8,GB_CM_EMULATE \
	matmul_cmemu_q4:matmul_cm:QUANT_Q4,GB_CM_EMULATE \
	matmul_cm1_f16:matmul_cm:QUANT_F16,GB_CM_SINGLE \
	matmul_cm1_q8:matmul_cm:QUANT_Q8,GB_CM_SINGLE \
	matmul_cm1_q4:matmul_cm:QUANT_Q4,GB_CM_SINGLE \
	matmul_cmemu1_f16:matmul_cm:QUANT_F16,GB_CM_EMULATE,GB_CM_SINGLE \
	matmul_cmemu1_q8:matmul_cm:QUANT_Q8,GB_CM_EMULATE,GB_CM_SINGLE \
	matmul_cmemu1_q4:matmul_cm:QUANT_Q4,GB_CM_EMULATE,GB_CM_SINGLE

GB_SHADERS_TOPK := \
	topk_score_f32:matmul:QUANT_F32,TOPK_SCORES \
	topk_score_f16:matmul:QUANT_F16,TOPK_SCORES \
	topk_score_q8:matmul:QUANT_Q8,TOPK_SCORES \
	topk_score_q4:matmul:QUANT_Q4,TOPK_SCORES \
	topk_fused_f32:topk_sel:QUANT_F32,FUSED \
	topk_fused_f16:topk_sel:QUANT_F16,FUSED \
	topk_fused_q8:topk_sel:QUANT_Q8,FUSED \
	topk_fused_q4:topk_sel:QUANT_Q4,FUSED \
	topk_sel:topk_sel: \
	topk_select:topk:

GB_SHADERS_MISC := \
	softmax:softmax: \
	rmsnorm:rmsnorm: \
	silu:silu: \
	reduce:reduce: \
	softmax_sg:softmax:GB_SUBGROUP \
	rmsnorm_sg:rmsnorm:GB_SUBGROUP \
	reduce_sg:reduce:GB_SUBGROUP \
	fft:fft: \
	fft_sm:fft_sm:

GB_SHADERS_PEAK := \
	peak_copy:peak_copy: \
	peak_fma:peak_fma:

GB_SHADERS := $(GB_SHADERS_MATMUL) $(GB_SHADERS_TOPK) $(GB_SHADERS_MISC) $(GB_SHADERS_PEAK)

gb_sh_name = $(word 1,$(subst :, ,$(1)))
gb_sh_src  = $(word 2,$(subst :, ,$(1)))
gb_sh_defs = $(addprefix -D,$(subst $(comma), ,$(word 3,$(subst :, ,$(1)))))
comma := ,

SHADER_DIR  := $(BUILD)/shaders
SHADER_NAMES := $(foreach s,$(GB_SHADERS),$(call gb_sh_name,$(s)))
SHADER_SPV  := $(SHADER_NAMES:%=$(SHADER_DIR)/%.spv)
SHADER_INC  := $(SHADER_NAMES:%=$(SHADER_DIR)/%.inc)
SHADER_C    := $(SHADER_DIR)/gb-spirv.c
SHADER_OBJ  += $(SHADER_DIR)/gb-spirv.o
SHADER_STAMP := $(SHADER_DIR)/config.stamp

$(SHADER_STAMP): FORCE
	@mkdir -p $(@D)
	@{ echo 'glslc: $(or $(HAVE_GLSLC),none)$(if $(HAVE_GLSLC), ($(shell $(GLSLC) --version 2>/dev/null | head -n1)))'; \
	   echo 'glslc-flags: $(GLSLC_FLAGS)'; \
	   echo 'spirv-val: $(or $(HAVE_SPIRV_VAL),none)'; } > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else $(GB_SHADER_NOTE) mv $@.tmp $@; fi

# Said when the stamp changes; "found" only when the stamp said none before.
ifneq ($(HAVE_GLSLC),)
GB_SHADER_NOTE = ! grep -q '^glslc: none' $@ 2>/dev/null || echo 'gbench: $(GLSLC) found: building the shaders' >&2;
else
GB_SHADER_NOTE = echo 'gbench: $(GLSLC) not found: building without shaders, the vulkan executor will not run (make deps installs glslc)' >&2;
endif

ifneq ($(HAVE_GLSLC),)
# One rule per variant. glslc's depfile lists the includes; the sed adds an
# empty rule for each so a deleted include does not break the build.
define gb_shader_rule
$(SHADER_DIR)/$(call gb_sh_name,$(1)).spv: shaders/$(call gb_sh_src,$(1)).comp shaders/shaders.mk $(SHADER_STAMP)
	@mkdir -p $$(@D)
	$$(GLSLC) $$(GLSLC_FLAGS) $(call gb_sh_defs,$(1)) -MD -MF $$@.d.tmp -MT $$@ -o $$@.tmp $$<
	$$(if $$(HAVE_SPIRV_VAL),$$(SPIRV_VAL) --target-env vulkan1.2 $$@.tmp)
	@{ cat $$@.d.tmp; sed -e 's/^[^:]*://' -e 's/\\$$$$//' $$@.d.tmp | tr ' ' '\n' | \
	   sed -e '/^$$$$/d' -e 's/$$$$/:/'; } > $$(@:.spv=.d)
	@rm -f $$@.d.tmp
	@mv $$@.tmp $$@
endef
$(foreach s,$(GB_SHADERS),$(eval $(call gb_shader_rule,$(s))))

# The words in host byte order, as glslc wrote them.
$(SHADER_DIR)/%.inc: $(SHADER_DIR)/%.spv
	@od -An -v -tx4 $< | sed -e 's/ *\([0-9a-f]\{8\}\)/0x\1u,/g' > $@.tmp
	@mv $@.tmp $@

else
SHADER_INC :=
endif

$(SHADER_C): shaders/shaders.mk $(SHADER_STAMP)
	@mkdir -p $(@D)
	@{ echo '/* Generated by shaders/shaders.mk: the SPIR-V of every shader variant. */'; \
	   echo '#include "vulkan/vk-spirv.h"'; \
	   $(foreach n,$(if $(HAVE_GLSLC),$(SHADER_NAMES)),echo 'static const uint32_t gb_spv_$(n)[] = {'; \
	     echo '#include "$(n).inc"'; echo '};';) \
	   echo 'const struct gb_vk_spirv gb_vk_spirv_table[] = {'; \
	   $(foreach n,$(if $(HAVE_GLSLC),$(SHADER_NAMES)),echo '	{ "$(n)", gb_spv_$(n), sizeof(gb_spv_$(n)) },';) \
	   echo '	{ 0, 0, 0 },'; \
	   echo '};'; } > $@.tmp
	@mv $@.tmp $@

$(SHADER_DIR)/gb-spirv.o: $(SHADER_C) $(SHADER_INC) $(CONFIG_STAMP)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

-include $(SHADER_NAMES:%=$(SHADER_DIR)/%.d) $(SHADER_DIR)/gb-spirv.d
