// SPDX-License-Identifier: MIT
// Carry's leverage loop on Aave v3: one transaction each way, for one owner.
pragma solidity 0.8.10;

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function approve(address spender, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

interface IPool {
    function flashLoan(
        address receiver,
        address[] calldata assets,
        uint256[] calldata amounts,
        uint256[] calldata modes,
        address onBehalfOf,
        bytes calldata params,
        uint16 referral
    ) external;
    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referral) external;
    function withdraw(address asset, uint256 amount, address to) external returns (uint256);
    function repay(address asset, uint256 amount, uint256 mode, address onBehalfOf)
        external
        returns (uint256);
}

/// Turns WETH into a liquid-staking token and back (a staking protocol and a market).
interface IStaker {
    function stake(address lst, uint256 wethIn) external returns (uint256 lstOut);
    function sell(address lst, uint256 lstIn) external returns (uint256 wethOut);
}

/// Enter: WETH equity plus a WETH flash loan opened as the owner's variable debt (Aave
/// charges no premium then) are staked and the LST supplied for the owner.
/// Unwind: a flash loan repays the owner's debt, the owner's aLST (approved to this
/// contract) is withdrawn and sold, the loan repaid; the rest goes to the owner as WETH.
contract CarryLoop {
    address public immutable owner;
    IPool public immutable pool;
    IERC20 public immutable weth;
    IStaker public immutable staker;

    uint8 private constant ENTER = 1;
    uint8 private constant UNWIND = 2;

    constructor(address pool_, address weth_, address staker_) {
        owner = msg.sender;
        pool = IPool(pool_);
        weth = IERC20(weth_);
        staker = IStaker(staker_);
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "CarryLoop: not the owner");
        _;
    }

    function enter(address lst, uint256 equity, uint256 loan) external onlyOwner {
        if (equity > 0) {
            require(weth.transferFrom(owner, address(this), equity), "CarryLoop: equity");
        }
        if (loan == 0) {
            _stakeAndSupply(lst, equity);
            return;
        }
        _flash(loan, 2, owner, abi.encode(ENTER, lst, address(0), equity));
    }

    function unwind(address lst, address aLst, uint256 repayWeth, uint256 collateral)
        external
        onlyOwner
    {
        _flash(repayWeth, 0, address(this), abi.encode(UNWIND, lst, aLst, collateral));
        uint256 left = weth.balanceOf(address(this));
        if (left > 0) {
            require(weth.transfer(owner, left), "CarryLoop: payout");
        }
    }

    function executeOperation(
        address[] calldata,
        uint256[] calldata amounts,
        uint256[] calldata premiums,
        address initiator,
        bytes calldata params
    ) external returns (bool) {
        require(msg.sender == address(pool) && initiator == address(this), "CarryLoop: caller");
        (uint8 kind, address lst, address aLst, uint256 x) =
            abi.decode(params, (uint8, address, address, uint256));
        if (kind == ENTER) {
            _stakeAndSupply(lst, amounts[0] + x);
        } else {
            _unwindWith(lst, aLst, x, amounts[0], premiums[0]);
        }
        return true;
    }

    function _unwindWith(address lst, address aLst, uint256 collateral, uint256 loan, uint256 fee)
        private
    {
        weth.approve(address(pool), loan);
        pool.repay(address(weth), loan, 2, owner);
        require(IERC20(aLst).transferFrom(owner, address(this), collateral), "CarryLoop: collateral");
        uint256 got = pool.withdraw(lst, collateral, address(this));
        IERC20(lst).approve(address(staker), got);
        staker.sell(lst, got);
        weth.approve(address(pool), loan + fee);
    }

    function _flash(uint256 amount, uint256 mode, address onBehalfOf, bytes memory params)
        private
    {
        address[] memory assets = new address[](1);
        assets[0] = address(weth);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = amount;
        uint256[] memory modes = new uint256[](1);
        modes[0] = mode;
        pool.flashLoan(address(this), assets, amounts, modes, onBehalfOf, params, 0);
    }

    function _stakeAndSupply(address lst, uint256 wethIn) private {
        weth.approve(address(staker), wethIn);
        uint256 out = staker.stake(lst, wethIn);
        IERC20(lst).approve(address(pool), out);
        pool.supply(lst, out, owner, 0);
    }
}
